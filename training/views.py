"""The Policies pages: the full text of every policy the course teaches, one click from each
slide's "Source:". Public, like the policies themselves."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .policies import policy_blocks, policy_sections


@require_GET
def policy_index(request):
    return render(
        request,
        "training/policy_index.html",
        {"documents": selectors.policy_documents()},
    )


@require_GET
def policy_document(request, slug: str):
    document = selectors.policy_document(slug=slug)
    if document is None:
        raise Http404("No such policy.")
    return render(
        request,
        "training/policy_document.html",
        {
            "document": document,
            "parts": policy_sections(policy_blocks(document.text)),
            "documents": selectors.policy_documents(),
            # Whose translation the page is read in, for the note that the English governs.
            "course": selectors.primary_course(),
        },
    )
