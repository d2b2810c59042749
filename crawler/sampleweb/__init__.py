"""The sample web: a simulated internet on loopback for tests, benchmarks and the demo."""
