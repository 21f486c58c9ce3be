"""Read-side rules of the lesson player: which slide to show, what the outline looks like."""

from dataclasses import dataclass

from .models import CoursePage, SectionPage, SectionProgress, SourceDocument


def section_progress(*, user, section: SectionPage) -> SectionProgress | None:
    return SectionProgress.objects.filter(user=user, section=section).first()


def slide_to_show(
    *,
    section: SectionPage,
    progress: SectionProgress | None,
    requested: str | None,
    unrestricted: bool = False,
) -> int:
    """The slide number to display for a request.

    No number (or nonsense) resumes at the last slide seen. A learner may go back anywhere and
    forward one slide past the furthest reached, but not skip ahead unread: the quiz that
    follows a section relies on its slides having been shown.
    """
    total = max(section.slide_count, 1)
    last_seen = progress.last_slide if progress else 1
    furthest = progress.furthest_slide if progress else 0
    try:
        number = int(requested) if requested is not None else last_seen
    except ValueError:
        number = last_seen
    ceiling = total if unrestricted else min(total, furthest + 1)
    return max(1, min(number, ceiling))


@dataclass(frozen=True)
class OutlineEntry:
    section: SectionPage
    position: int
    slide_count: int
    furthest_slide: int
    last_slide: int

    @property
    def state(self) -> str:
        if self.furthest_slide == 0:
            return "not_started"
        if self.furthest_slide >= self.slide_count:
            return "read"
        return "in_progress"

    @property
    def state_label(self) -> str:
        return {
            "not_started": "Not started",
            "in_progress": f"Reading: slide {self.last_slide} of {self.slide_count}",
            "read": "All slides read",
        }[self.state]


def course_sections(*, course: CoursePage) -> list[SectionPage]:
    return list(SectionPage.objects.child_of(course).live().order_by("path"))


def course_outline(*, course: CoursePage, user) -> list[OutlineEntry]:
    """Each live section of the course, in order, with this learner's reading progress."""
    sections = course_sections(course=course)
    progress = {}
    if user.is_authenticated:
        progress = {
            p.section_id: p for p in SectionProgress.objects.filter(user=user, section__in=sections)
        }
    outline = []
    for position, section in enumerate(sections, start=1):
        p = progress.get(section.pk)
        outline.append(
            OutlineEntry(
                section=section,
                position=position,
                slide_count=section.slide_count,
                furthest_slide=p.furthest_slide if p else 0,
                last_slide=p.last_slide if p else 0,
            )
        )
    return outline


def source_titles() -> dict[str, str]:
    return dict(SourceDocument.objects.values_list("filename", "title"))


def section_player(*, section: SectionPage, request, number: int) -> dict:
    """Everything the lesson player template shows for one slide of one section."""
    course = section.get_parent().specific
    outline = course_outline(course=course, user=request.user)
    position = next((e.position for e in outline if e.section.pk == section.pk), 1)
    total = section.slide_count
    slide = section.body[number - 1] if total else None
    next_section = outline[position].section if position < len(outline) else None
    return {
        "course": course,
        "outline": outline,
        "section_position": position,
        "section_total": len(outline),
        "slide": slide,
        "slide_number": number,
        "slide_total": total,
        "previous_number": number - 1 if number > 1 else None,
        "next_number": number + 1 if number < total else None,
        "next_section": next_section,
        "source_titles": source_titles(),
    }
