"""The end-to-end modules' shared fixtures (each module names its own `stack`)."""
from __future__ import annotations

import pytest
import requests


@pytest.fixture(scope="module")
def shared(stack):
    """A post, an employee signed in (with the self cookie GET /me set), their share link."""
    from helpers import make_post

    make_post("e2e-post", url=f"{stack.gateway_url}/_local")
    email = stack.demo.logins[1][0]
    auth = {"Authorization": f"Bearer {stack.sign_in(email)['IdToken']}"}
    me = requests.get(f"{stack.gateway_url}/me", headers=auth, timeout=30)
    assert me.status_code == 200, me.text
    set_cookie = me.headers["Set-Cookie"]
    assert "korpo_emp=" in set_cookie and "Path=/l/" in set_cookie and "HttpOnly" in set_cookie
    share = requests.post(f"{stack.gateway_url}/posts/e2e-post/share", headers=auth,
                          json={"network": "linkedin"}, timeout=30)
    assert share.status_code == 200, share.text
    return {"url": share.json()["url"], "cookie": set_cookie.split(";")[0],
            "employee_id": me.json()["employee_id"]}
