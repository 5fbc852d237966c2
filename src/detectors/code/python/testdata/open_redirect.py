"""Open redirect (CWE-601): Flask and Django redirects to input."""
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def login_done(request):
    nxt = request.GET.get("next", "/")
    # ruleid: python/open-redirect
    return redirect(nxt)


def logout_done(request):
    # ruleid: python/open-redirect
    return HttpResponseRedirect(request.POST["return_to"])


def go(request, target):
    # ruleid: python/open-redirect
    return redirect(f"{target}")


def next_url(request):
    return request.GET.get("next")


def checked(request):
    nxt = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        nxt = "/"
    # ok: python/open-redirect
    return redirect(nxt)


def profile(request, username):
    # ok: python/open-redirect
    return redirect("/profile/" + username)


def home(request):
    # ok: python/open-redirect
    return redirect("/dashboard")


def helper_redirect(request):
    # ruleid: python/open-redirect
    return redirect(next_url(request))
