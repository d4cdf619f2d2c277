"""The demo city (示范市): a fictional city with regions, departments, staff for every role, citizens and
enterprises, which `make run` loads so every page has something real to show. Other domains add their
part of the demo in their own `demo.py` (see `shuzheng.demo.loader`)."""
