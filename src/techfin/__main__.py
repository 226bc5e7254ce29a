from techfin.cli import main

main()
