"""Spreadsheets in and out (表格导入导出), shared by every app.

- ``cells``: cell parsers (text, money, dates, 是/否, choices, credit codes) raising ``CellError``;
- ``spec``: ``Column``/``TemplateSpec`` and the registry apps fill in ``AppConfig.ready()``;
- ``reader``: xlsx/xls/ods (python-calamine) and CSV, header row and header matching;
- ``importer``: ``parse_file`` → streamed ``ParsedRow`` with every ``RowError``; ``ErrorPolicy``,
  ``ImportReport``;
- ``report``: the user's file with an error column, and the standalone error list;
- ``templates``: blank templates (``techfin template NAME``, ``template_response``);
- ``exports``: list exports with formula injection neutralised.

The submodules are imported by name; this package imports nothing so that loading the app
stays cheap.
"""
