"""Every client against hostile or broken network peers: a family-operation-case matrix.

``behaviours.py`` holds what a peer can do (and the servers and proxy that do it),
``cases_<family>.py`` which bytes each behaviour sends for that family's operations,
``registry.py`` the list of families, and ``test_matrix.py`` the one parametrized test.
"""
