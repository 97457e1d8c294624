"""Session set-up: the floors run (``test_floors.py``) starts beside the suite."""

FLOORS_TEST = "test_suite_passes_with_every_dependency_at_its_floor"


def pytest_collection_modifyitems(session, config, items):
    """The floors test last, so that it waits for its run only once the rest
    of the suite has run beside it."""
    floors = [item for item in items if item.name == FLOORS_TEST]
    items[:] = [item for item in items if item.name != FLOORS_TEST] + floors


def pytest_collection_finish(session):
    from test_floors import FloorsRun, floors_run_enabled

    if floors_run_enabled() and any(item.name == FLOORS_TEST for item in session.items):
        FloorsRun.start()
