"""Public pages. Each view reads through a queryset method shared with the API."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from tracker import models as m


def home(request):
    return HttpResponse("Treaty compliance tracker")


def country(request, code):
    obj = get_object_or_404(m.Country, code=code.upper())
    return HttpResponse(obj.name)


def _detail(model, request, pk):
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    return HttpResponse(obj.summary)


def concern(request, pk):
    return _detail(m.Concern, request, pk)


def claim(request, pk):
    return _detail(m.Claim, request, pk)


def report(request, pk):
    return _detail(m.Report, request, pk)


def source(request, pk):
    obj = get_object_or_404(m.Source.objects.visible_to(request.user), pk=pk)
    return HttpResponse(obj.title)
