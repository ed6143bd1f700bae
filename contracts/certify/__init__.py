"""Certification of a backup connector: every obligation a connector has towards Abiquo 3.8.5, judged in one run.

    abiquo-mock certify --command "python examples/connectors/good_connector.py" --report-dir reports/certify

The connector is any shell command. A certification runs it on every world the suites know (each integration
scenario, generated worlds, the scale world with its faults, the legacy worlds across their upgrade, or, for a
connector that listens to events, the worlds whose timeline changes them), judges each world on the obligations
(obligations.py), shrinks each generated world it fails to a minimal scenario file, and writes report.html,
summary.md, results.json and junit.xml (outputs.py). From Python: ``certify(Options(command))`` (run.py).
"""
