"""The employee directory (korpo.people.directory): alphabetical pages, a profile made before
the directory filed on its owner's next visit, a rename re-filed, a forged cursor harmless."""
from __future__ import annotations

from korpo.models import EmployeeModel
from korpo.people import directory, employees, profiles


def _join(employee_id: str, name: str) -> None:
    employees.ensure_profile(employees.Identity(employee_id, f"{employee_id}@example.com",
                                                name=name))


def test_pages_walk_every_employee_once_by_name(aws):
    for number, name in enumerate(["Zoé", "adam", "Maya", "Bea", "Carl"]):
        _join(f"e-{number}", name)
    seen, cursor = [], None
    while True:
        current = directory.page(limit=2, cursor=cursor)
        assert len(current.employees) <= 2
        seen += [e.display_name for e in current.employees]
        if current.next_cursor is None:
            break
        cursor = current.next_cursor
    assert seen == ["adam", "Bea", "Carl", "Maya", "Zoé"]
    assert [e.display_name for e in directory.every_employee(batch=3)] == seen


def test_an_old_profile_is_filed_on_its_next_visit_and_a_rename_refiles_it(aws):
    from datetime import datetime, timezone

    EmployeeModel(*EmployeeModel.key("old"), employee_id="old", email="old@example.com",
                  display_name="Olga", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc)
                  ).save()
    assert directory.page().employees == []
    _join("old", "ignored")  # the visit: the profile exists, it is only filed
    assert [e.display_name for e in directory.page().employees] == ["Olga"]
    _join("new", "Nina")
    profiles.update_profile("old", display_name="Aaron")
    assert [e.display_name for e in directory.page().employees] == ["Aaron", "Nina"]


def test_a_forged_cursor_starts_from_the_first_page(aws):
    _join("e-1", "Ann")
    for cursor in ("not-base64!", "eyJ4IjogMX0=", "W10=", "x" * 5000):
        assert [e.display_name for e in directory.page(cursor=cursor).employees] == ["Ann"]
