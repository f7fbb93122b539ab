from core_monitor.cli.main import app

app()
