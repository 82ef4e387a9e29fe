"""Siyu's development tooling, apart from the runtime package ``siyu`` that the DAGs run.

The WeCom / app DB / tracking simulator, the demo, the local Airflow runner (``siyu dag``), the
benchmarks (``siyu bench ...``) and the identity evaluation against the simulator's ground truth.
Imported by ``siyu.cli`` (inside each command) and by the tests; ``siyu`` itself never imports it.
"""
