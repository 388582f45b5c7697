"""The service categories, seeded by a data migration (0002) and kept here so that their
names and summaries are English msgids that translate (gettext_noop marks them).

After the service types of GB/T 34670-2017 (技术转移服务规范): evaluation, valuation, search,
agency, legal, registration, testing, incubation and scale-up, financing, brokerage, consulting,
training, plus demand analysis and translation from the platform's own seeds.

`extra_provider_kinds`: besides agencies, universities and institutes, societies and expert
service teams (who may offer any category), the organization kinds that may offer this one —
an enterprise with a laboratory may offer testing or a pilot line, an investor financing.
"""

from django.utils.translation import gettext_noop

CATEGORIES = [
    {
        "code": "evaluation",
        "name": gettext_noop("Technology evaluation"),
        "summary": gettext_noop(
            "An independent report on a technology's novelty, maturity (TRL) and prospects."
        ),
        "position": 10,
        "extra_provider_kinds": [],
    },
    {
        "code": "valuation",
        "name": gettext_noop("Technology valuation"),
        "summary": gettext_noop(
            "A valuation report of a technology or patent, for a transfer, licence or equity."
        ),
        "position": 20,
        "extra_provider_kinds": [],
    },
    {
        "code": "demand_analysis",
        "name": gettext_noop("Demand analysis"),
        "summary": gettext_noop(
            "Experts turn a business problem into a clear technical need with target indicators."
        ),
        "position": 30,
        "extra_provider_kinds": [],
    },
    {
        "code": "patent_search",
        "name": gettext_noop("Patent search and FTO"),
        "summary": gettext_noop(
            "A search report on prior art and a freedom-to-operate opinion before you invest."
        ),
        "position": 40,
        "extra_provider_kinds": [],
    },
    {
        "code": "patent_agency",
        "name": gettext_noop("Patent agency"),
        "summary": gettext_noop(
            "Drafting and filing patent applications and answering the examiner's actions."
        ),
        "position": 50,
        "extra_provider_kinds": [],
    },
    {
        "code": "legal",
        "name": gettext_noop("Legal services and contract drafting"),
        "summary": gettext_noop(
            "A technology contract drafted or reviewed by lawyers, IP terms and due diligence."
        ),
        "position": 60,
        "extra_provider_kinds": [],
    },
    {
        "code": "contract_registration",
        "name": gettext_noop("Contract registration"),
        "summary": gettext_noop(
            "Registration of a signed technology contract, for its tax relief and statistics."
        ),
        "position": 70,
        "extra_provider_kinds": [],
    },
    {
        "code": "testing",
        "name": gettext_noop("Testing and inspection"),
        "summary": gettext_noop(
            "Tests of samples against standards or target indicators, with an accredited report."
        ),
        "position": 80,
        "extra_provider_kinds": ["enterprise"],
    },
    {
        "code": "proof_of_concept",
        "name": gettext_noop("Proof of concept"),
        "summary": gettext_noop(
            "Funding and engineering to show that a laboratory result works for a real use."
        ),
        "position": 90,
        "extra_provider_kinds": ["enterprise"],
    },
    {
        "code": "pilot",
        "name": gettext_noop("Pilot scale-up"),
        "summary": gettext_noop(
            "A pilot line and engineers to scale a process up (中试) before mass production."
        ),
        "position": 100,
        "extra_provider_kinds": ["enterprise"],
    },
    {
        "code": "financing",
        "name": gettext_noop("Financing"),
        "summary": gettext_noop(
            "Introductions to investors, IP-backed loans and help applying for public funds."
        ),
        "position": 110,
        "extra_provider_kinds": ["investor"],
    },
    {
        "code": "brokerage",
        "name": gettext_noop("Technology brokerage"),
        "summary": gettext_noop(
            "A technology manager finds counterparts and carries the talks to a contract."
        ),
        "position": 120,
        "extra_provider_kinds": [],
    },
    {
        "code": "consulting",
        "name": gettext_noop("Technology consulting"),
        "summary": gettext_noop(
            "Expert advice on a technical route, a feasibility study or an innovation strategy."
        ),
        "position": 130,
        "extra_provider_kinds": [],
    },
    {
        "code": "training",
        "name": gettext_noop("Training"),
        "summary": gettext_noop(
            "Courses on technology transfer, IP management and contract practice for your team."
        ),
        "position": 140,
        "extra_provider_kinds": ["enterprise"],
    },
    {
        "code": "translation",
        "name": gettext_noop("Translation"),
        "summary": gettext_noop(
            "Technical and patent translation between Chinese and foreign languages."
        ),
        "position": 150,
        "extra_provider_kinds": [],
    },
]
