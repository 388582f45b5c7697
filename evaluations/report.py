"""The evaluation report as a PDF, drawn with reportlab in its built-in CID font STSong-Light
(Chinese without a font file to ship). The labels follow the active language; the content is
what the provider and the panel wrote."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from evaluations import rubric
from taxonomy.models import Maturity

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles():
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=1, textColor=colors.grey),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4
        ),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
    }


def _text(value) -> str:
    """Paragraph markup of plain text: escaped, line breaks kept."""
    return escape(str(value or "")).replace("\n", "<br/>")


def _table(rows, widths, styles):
    cells = [[Paragraph(_text(cell), styles["cell"]) for cell in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def report_pdf(*, evaluation, version, panel, opinions, result, conclusion, public_summary):
    """The PDF's bytes: title, achievement, purpose, scope, the panel with their declarations,
    the scores per criterion and per expert, the evaluated TRL, the level, the conclusion, the
    date and the issuing provider."""
    styles = _styles()
    order = evaluation.order
    achievement = evaluation.achievement
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Achievement evaluation report"),
        author=order.provider.name,
    )
    width = A4[0] - 36 * mm
    story = [
        Paragraph(_text(_("Achievement evaluation report")), styles["title"]),
        Paragraph(
            _text(
                _("No. %(number)s · version %(version)d")
                % {"number": f"{evaluation.pk:06d}", "version": version}
            ),
            styles["subtitle"],
        ),
        Spacer(1, 6 * mm),
    ]
    declared = Maturity(achievement.maturity).label if achievement and achievement.maturity else "—"
    facts = [
        (_("Achievement"), achievement.title if achievement else order.title),
        (_("Achievement owner"), order.buyer.name),
        (pgettext("evaluation", "Purpose"), evaluation.get_purpose_display()),
        (_("Evaluated by"), order.provider.name),
        (_("Self-declared maturity"), declared),
        (_("Evaluated maturity"), Maturity(result.evaluated_maturity).label),
        (_("Overall score"), f"{result.overall} / 100"),
        (pgettext("evaluation", "Level"), str(rubric.LEVELS[result.level])),
        (_("Issued on"), timezone.localdate().isoformat()),
    ]
    story.append(_table([(_("Item"), _("Value")), *facts], [width * 0.3, width * 0.7], styles))
    story += [
        Paragraph(_text(_("Scope of the evaluation")), styles["heading"]),
        Paragraph(_text(evaluation.scope), styles["body"]),
        Paragraph(_text(_("Expert panel and declarations of interest")), styles["heading"]),
    ]
    panel_rows = [(_("Expert"), _("Title"), _("Affiliation"), _("Declaration"))]
    for member in panel:
        declaration = _("declares no conflict of interest")
        if member.statement:
            declaration = f"{declaration}: {member.statement}"
        panel_rows.append((member.name, member.title, member.affiliation, declaration))
    story.append(
        _table(panel_rows, [width * 0.16, width * 0.18, width * 0.28, width * 0.38], styles)
    )
    story.append(Paragraph(_text(_("Scores on the published rubric")), styles["heading"]))
    header = [_("Criterion"), _("Weight")] + [m.name for m in panel] + [_("Mean")]
    score_rows = [header]
    for criterion in rubric.CRITERIA:
        score_rows.append(
            [str(criterion.label).capitalize(), f"{criterion.weight}%"]
            + [str(getattr(opinions[m.pk], criterion.key)) for m in panel]
            + [str(result.means[criterion.key])]
        )
    columns = len(header)
    first = width * 0.26
    rest = (width - first) / (columns - 1)
    story.append(_table(score_rows, [first] + [rest] * (columns - 1), styles))
    story.append(Paragraph(_text(_("The experts' opinions")), styles["heading"]))
    for member in panel:
        story.append(
            Paragraph(
                f"<b>{_text(member.name)}</b>：{_text(opinions[member.pk].comment)}",
                styles["body"],
            )
        )
    story += [
        Paragraph(_text(pgettext("evaluation", "Conclusion")), styles["heading"]),
        Paragraph(_text(conclusion), styles["body"]),
        Paragraph(_text(_("Public summary")), styles["heading"]),
        Paragraph(_text(public_summary), styles["body"]),
        Spacer(1, 10 * mm),
        Paragraph(
            _text(
                _("Issued by %(provider)s on %(date)s.")
                % {"provider": order.provider.name, "date": timezone.localdate().isoformat()}
            ),
            styles["body"],
        ),
    ]
    document.build(story)
    return buffer.getvalue()
