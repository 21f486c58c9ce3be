"""The slide types a section is made of. Every slide carries the passage it teaches."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


def source_document_choices() -> list[tuple[str, str]]:
    """(file name, title) of each source document: editors choose by title, while the slide
    keeps the file name, which is what content/ files and export_course hold. Read each time a
    form is built, so a document added since is offered at once. (The model is looked up by
    name because the page models import this module.)"""
    SourceDocument = apps.get_model("training", "SourceDocument")
    return list(SourceDocument.objects.order_by("filename").values_list("filename", "title"))


class SourceDocumentBlock(blocks.ChoiceBlock):
    """A choice among the source documents. A stored slide's file name is taken as it is: the
    base class looks every value up among the choices as it reads it, which would be a query
    for each slide of each section on every page a learner opens. (Saving a form still checks
    the choice.)"""

    def to_python(self, value):
        return value

    def normalize(self, value):
        return value


class SourceBlock(blocks.StructBlock):
    document = SourceDocumentBlock(
        choices=source_document_choices,
        label=_("Source document"),
        help_text=_("The policy document this slide quotes or teaches from."),
        # The file name is no search term, and indexing would read the documents once per slide.
        search_index=False,
    )
    passage = blocks.CharBlock(
        label=_("Passage"),
        help_text=_("Where in the document: slide title, heading, paragraph or clause."),
    )
    at = blocks.CharBlock(
        label=_("Words that locate it"),
        required=False,
        help_text=_(
            "A few words copied from the passage: the Source link opens the policy there. "
            "Empty: the slide's first quoted words."
        ),
    )

    class Meta:
        label = _("Source")
        icon = "doc-full"


class MoreSourcesBlock(blocks.ListBlock):
    """The other documents a slide quotes, when it quotes more than one."""

    def __init__(self, **kwargs):
        super().__init__(
            SourceBlock(),
            required=False,
            default=[],
            label=_("Other sources"),
            help_text=_("Every further document the slide quotes."),
            **kwargs,
        )


class BulletBlock(blocks.CharBlock):
    """One bullet of a slide. The editor shows a list item's label as a heading above its
    input, not as the input's label, so the input is named here for screen readers."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.field.widget.attrs["aria-label"] = self.label


class BulletsSlideBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"))
    bullets = blocks.ListBlock(BulletBlock(label=_("Bullet")), label=_("Bullets"))
    source = SourceBlock()
    more_sources = MoreSourcesBlock()

    class Meta:
        label = _("Heading and bullets")
        icon = "list-ul"
        template = "training/blocks/bullets_slide.html"


class CalloutSlideBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"))
    text = blocks.TextBlock(label=_("Key rule"))
    source = SourceBlock()
    more_sources = MoreSourcesBlock()

    class Meta:
        label = _("Callout / key rule")
        icon = "warning"
        template = "training/blocks/callout_slide.html"


class QuoteSlideBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quotation"), help_text=_("The policy's exact words."))
    attribution = blocks.CharBlock(label=_("Attribution"), help_text=_("Who says it."))
    citation = blocks.CharBlock(
        label=_("Citation"),
        required=False,
        help_text=_('Statute or policy it rests on, e.g. "Conn. Gen. Stat. § 31-48d".'),
    )
    source = SourceBlock()
    more_sources = MoreSourcesBlock()

    class Meta:
        label = _("Policy quotation")
        icon = "openquote"
        template = "training/blocks/quote_slide.html"


class ImageSlideBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"))
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Alternative text"), help_text=_("What the image shows, for screen readers.")
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False)
    source = SourceBlock()
    more_sources = MoreSourcesBlock()

    class Meta:
        label = _("Image")
        icon = "image"
        template = "training/blocks/image_slide.html"


class RuleSlideBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"))
    text = blocks.TextBlock(
        label=_("The rule in plain words"), help_text=_("About 60 words at most.")
    )
    quote = blocks.TextBlock(
        label=_("The policy's words"),
        help_text=_('Copied exactly; separate fragments with " … ".'),
    )
    source = SourceBlock()
    more_sources = MoreSourcesBlock()

    class Meta:
        label = _("Rule, with the policy's words")
        icon = "tick-inverse"
        template = "training/blocks/rule_slide.html"


class ExampleSlideBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"))
    situation = blocks.TextBlock(label=_("Situation"))
    answer = blocks.TextBlock(label=_("What the policy says to do"))
    source = SourceBlock()
    more_sources = MoreSourcesBlock()

    class Meta:
        label = _("Worked example")
        icon = "help"
        template = "training/blocks/example_slide.html"


class KeyPointsSlideBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), default=_("Key points"))
    bullets = blocks.ListBlock(BulletBlock(label=_("Point")), label=_("Points"))
    source = SourceBlock()
    more_sources = MoreSourcesBlock()

    class Meta:
        label = _("Key points")
        icon = "list-ol"
        template = "training/blocks/key_points_slide.html"


class SlideStreamBlock(blocks.StreamBlock):
    rule = RuleSlideBlock()
    example = ExampleSlideBlock()
    key_points = KeyPointsSlideBlock()
    bullets = BulletsSlideBlock()
    callout = CalloutSlideBlock()
    quote = QuoteSlideBlock()
    image = ImageSlideBlock()
