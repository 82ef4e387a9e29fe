"""The flags every headless chromium run of the tests takes: no sandbox (root in CI), no GPU, and no
network of its own (no first-run, component or sync traffic), so a page test sees only what it loads."""

HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
