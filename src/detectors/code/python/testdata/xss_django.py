"""XSS (CWE-79): Django mark_safe/HttpResponse of input."""
import html

from django.http import HttpResponse
from django.utils.safestring import mark_safe


def django_view(request):
    q = request.GET.get("q", "")
    # ruleid: python/xss
    HttpResponse("<p>Results for " + q + "</p>")
    # ruleid: python/xss
    label = mark_safe(f"<em>{q}</em>")
    # ok: python/xss
    HttpResponse("<p>Results for " + html.escape(q) + "</p>")
    # ok: python/xss
    footer = mark_safe("<footer>&copy; Example</footer>")
    return HttpResponse(str(label) + footer)
