"""`python -m mediation_console` is `mediate`."""

from mediation_console.console.cli import main

main()
