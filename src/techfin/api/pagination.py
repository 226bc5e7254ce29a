from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Page-numbered lists; `page_size` may be raised to 500 for scripts."""

    page_size_query_param = "page_size"
    max_page_size = 500
