"""shuzheng (数政): the software core of a city's digital government."""

__version__ = "0.1.0"
