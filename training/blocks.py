"""The slide types a section is made of. Every slide carries the passage it teaches."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class SourceBlock(blocks.StructBlock):
    document = blocks.CharBlock(
        label=_("Source document"),
        help_text=_("File name of the seed document, e.g. 002_dd222be6dbbd2414.txt"),
    )
    passage = blocks.CharBlock(
        label=_("Passage"),
        help_text=_("Where in the document: slide title, heading, paragraph or clause."),
    )

    class Meta:
        label = _("Source")
        icon = "doc-full"


class BulletsSlideBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"))
    bullets = blocks.ListBlock(blocks.CharBlock(label=_("Bullet")), label=_("Bullets"))
    source = SourceBlock()

    class Meta:
        label = _("Heading and bullets")
        icon = "list-ul"
        template = "training/blocks/bullets_slide.html"


class CalloutSlideBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"))
    text = blocks.TextBlock(label=_("Key rule"))
    source = SourceBlock()

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

    class Meta:
        label = _("Image")
        icon = "image"
        template = "training/blocks/image_slide.html"


class SlideStreamBlock(blocks.StreamBlock):
    bullets = BulletsSlideBlock()
    callout = CalloutSlideBlock()
    quote = QuoteSlideBlock()
    image = ImageSlideBlock()
