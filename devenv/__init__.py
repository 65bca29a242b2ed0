"""Development environment: Home Assistant with the simulated cameras (demo, browser tests)."""
