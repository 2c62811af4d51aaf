"""The tables behind the knowledge-base demo (see ``knowledge.demo``): categories, problems and the row types.

Known errors live in ``data_known_errors_workplace`` and ``data_known_errors_systems``, articles in
``data_articles_how_to`` and ``data_articles_reference``. CIs, services and support groups are named exactly
as ``cmdb.demo.data`` names them; a name the CMDB does not hold is skipped when loading.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from knowledge.choices import ArticleKind, ArticleStatus, FixStatus, ProblemState

# A category is named by its path from the top: ("Hardware", "Printer", "Paper jam").
CategoryPath = tuple[str, ...]


@dataclass(frozen=True)
class ProblemSpec:
    title: str
    state: ProblemState
    description: str
    root_cause: str
    category: CategoryPath
    owner_group: str
    services: tuple[str, ...] = ()
    cis: tuple[str, ...] = ()
    age_days: int = 30


@dataclass(frozen=True)
class KnownErrorSpec:
    """A known error; ``workaround`` holds the steps (numbered when loaded), ``used`` is (times, days ago)."""

    title: str
    symptoms: str
    cause: str
    workaround: tuple[str, ...]
    fix: FixStatus
    categories: tuple[CategoryPath, ...]
    services: tuple[str, ...] = ()
    cis: tuple[str, ...] = ()
    problem: str = ""
    draft: bool = False
    used: tuple[int, int] | None = None
    age_days: int | None = None


@dataclass(frozen=True)
class ArticleSpec:
    title: str
    kind: ArticleKind
    category: CategoryPath
    body: str
    services: tuple[str, ...] = ()
    author: str = "operator"
    status: ArticleStatus = ArticleStatus.PUBLISHED
    age_days: int = 120


def markdown(text: str) -> str:
    """An article body written indented in the source, without its indentation."""
    return textwrap.dedent(text).strip() + "\n"


# Each node: (name, description, active, children).
_Node = tuple[str, str, bool, list["_Node"]]


def _leaf(name: str, description: str = "", *, active: bool = True) -> _Node:
    return (name, description, active, [])


CATEGORY_TREE: list[_Node] = [
    ("Hardware", "Physical devices at a desk, in a meeting room or in the warehouse.", True, [
        ("Desktop & laptop", "Workstations and laptops, their screens and docks.", True, [
            _leaf("Won't start", "No power, no boot, stuck at the logo."),
            _leaf("Screen & display", "Black, flickering or wrongly scaled screens."),
            _leaf("Docking station", "Docks, USB-C, external monitors."),
            _leaf("Battery & power"),
        ]),
        ("Printer", "The printer as a machine; queues and drivers are under Printing.", True, [
            _leaf("Paper jam"),
            _leaf("Print quality", "Blank, streaky, faded or smeared prints."),
            _leaf("Toner & consumables"),
        ]),
        ("Scanner & handheld", "Warehouse barcode scanners and their cradles.", True, [
            _leaf("Barcode reading"),
            _leaf("Battery & cradle"),
        ]),
        _leaf("Peripherals", "Keyboards, mice, headsets and webcams."),
        _leaf("Fax machine", "Retired: the last fax line was cancelled.", active=False),
    ]),
    ("Software", "Windows and desktop applications.", True, [
        _leaf("Windows", "Sign-in, profile, updates and BitLocker."),
        _leaf("Office applications", "Word, Excel, PowerPoint and Outlook as programs."),
        _leaf("Installation request", "Software that a caller needs installed."),
        _leaf("Lotus Notes", "Retired: replaced by Exchange years ago.", active=False),
    ]),
    ("Network", "Connectivity at the sites and from home.", True, [
        ("Wi-Fi", "Staff, warehouse and guest wireless networks.", True, [
            _leaf("Warehouse Wi-Fi", "Coverage and roaming in the Rotterdam warehouse."),
            _leaf("Guest Wi-Fi"),
        ]),
        _leaf("VPN & remote access", "The VPN client on laptops."),
        _leaf("Wired network", "Network ports, cabling and floor switches."),
        _leaf("Internet access"),
    ]),
    ("Access & accounts", "Who may sign in where, and with what.", True, [
        ("Password & lockout", "Expired, forgotten and locked accounts.", True, [
            _leaf("Password expiry"),
            _leaf("Account locked"),
        ]),
        _leaf("Multi-factor authentication", "The authenticator app and SMS codes."),
        _leaf("Single sign-on", "The Kestrel sign-in page used by the web applications."),
        ("Permissions", "Access to shares, mailboxes and applications.", True, [
            _leaf("File share permissions"),
            _leaf("Application roles"),
        ]),
        _leaf("New starters & leavers"),
    ]),
    ("E-mail & collaboration", "Mail, calendars and online meetings.", True, [
        _leaf("Outlook", "Connection, profile and search problems in Outlook."),
        _leaf("Mailbox & quota"),
        _leaf("Shared mailboxes & calendars"),
        _leaf("Teams & online meetings", "Audio, video and screen sharing in meetings."),
        _leaf("Spam & phishing"),
    ]),
    ("Telephony", "Desk phones, softphones and the contact centre.", True, [
        _leaf("Desk phone"),
        _leaf("Softphone & headset"),
        _leaf("Contact centre", "Queues and agent sign-in of customer service."),
        _leaf("Voicemail"),
        _leaf("Pagers", "Retired: the warehouse pagers were replaced by the handhelds.", active=False),
    ]),
    ("Printing", "Print queues, drivers, follow-me printing and scanning.", True, [
        _leaf("Print queues & drivers"),
        _leaf("Follow-me printing", "Releasing jobs at any printer with the staff badge."),
        _leaf("Scan to e-mail"),
    ]),
    ("General", "Questions, requests and desk procedures that fit no other category.", True, [
        _leaf("Service desk procedures"),
        _leaf("Questions & information"),
    ]),
    ("Business applications", "The applications the business runs on.", True, [
        ("ERP", "Orders, transport planning, invoicing and the general ledger.", True, [
            _leaf("Performance"),
            _leaf("Reports"),
            _leaf("Month-end close"),
            _leaf("Warehouse management", "Goods-in, storage, picking and dispatch in Rotterdam."),
            _leaf("EDI", "Electronic orders and invoices with customers and carriers."),
        ]),
        _leaf("CRM"),
        _leaf("Web shop", "Customer-facing booking and tracking."),
        _leaf("Payroll & HR portal"),
        _leaf("Intranet"),
    ]),
]  # fmt: skip


def category_rows() -> list[tuple[CategoryPath, str, bool]]:
    """The tree flattened to (path, description, active), parents before their children."""
    rows: list[tuple[CategoryPath, str, bool]] = []

    def walk(nodes: list[_Node], parent: CategoryPath) -> None:
        for name, description, active, children in nodes:
            rows.append(((*parent, name), description, active))
            walk(children, (*parent, name))

    walk(CATEGORY_TREE, ())
    return rows


# The groups as the CMDB demo names them.
NETWORK = "Network"
SERVERS = "Servers & Storage"
DATABASES = "Databases"
WORKPLACE = "Workplace Support"
APPLICATIONS = "Business Applications"
IDENTITY = "Identity & Access"

OPEN, KNOWN_ERROR, RESOLVED, CLOSED = (
    ProblemState.OPEN,
    ProblemState.KNOWN_ERROR,
    ProblemState.RESOLVED,
    ProblemState.CLOSED,
)

P_DUPLEX_JAMS = "Paper jams on double-sided jobs on the colour printers"
P_VPN_AFTER_CHANGE = "VPN refuses the new password after a password change"
P_OUTLOOK_DISCONNECTED = "Outlook stays disconnected after a mailbox database switch-over"
P_WAREHOUSE_WIFI = "Wi-Fi drops and handheld sessions lost in the Rotterdam warehouse"
P_ERP_MONTH_END = "ERP slow during the month-end close"
P_ERP_REPORTS = "Large ERP reports time out"
P_CRM_SSO_LOOP = "CRM sign-in loops back to the single sign-on page"
P_IDEAL_CHECKOUT = "Web shop checkout fails for some iDEAL payments"
P_EDI_STUCK = "EDI messages stuck in the outbound queue"
P_SHARES_REORG = "Access denied on department shares after the reorganisation"
P_DOCK_DISPLAYS = "External displays stay black on docks after the firmware update"
P_SOFTPHONE_REGISTRATION = "Softphones lose their registration with the call manager"
P_PRINTER_DRIVER = "Print queues lose their driver after the monthly Windows update"

PROBLEMS: list[ProblemSpec] = [
    ProblemSpec(
        P_DUPLEX_JAMS, KNOWN_ERROR,
        "About twenty incidents a month: colour printers jam in tray 2 when printing on both sides.",
        "The duplex unit of the HP Color LaserJet M555 mis-feeds 80 g/m² recycled paper; the vendor has "
        "confirmed the pick-up roller revision as the cause. Single-sided jobs and 90 g/m² paper are unaffected.",
        ("Hardware", "Printer", "Paper jam"), WORKPLACE, ("Printing",),
        ("prn-ams-main-f0", "prn-ams-main-f1", "prn-rtm-office-f0", "prn-ein-office-f0"), age_days=210,
    ),
    ProblemSpec(
        P_VPN_AFTER_CHANGE, KNOWN_ERROR,
        "After changing their password, remote callers cannot connect to the VPN for up to an hour.",
        "VPN client 6.1 keeps the old password in its saved credentials and retries with it; after five "
        "attempts Active Directory locks the account. Client 6.2 stops saving the password.",
        ("Network", "VPN & remote access"), NETWORK, ("VPN / remote access", "Identity and single sign-on"),
        ("Remote access VPN", "RADIUS", "vpn-ein-01", "vpn-ein-02", "Active Directory"), age_days=160,
    ),
    ProblemSpec(
        P_OUTLOOK_DISCONNECTED, RESOLVED,
        "After each switch-over of the mailbox database, a share of Outlook clients stays 'Trying to connect'.",
        "The load-balancer pool for Outlook kept sessions on the passive node for 30 minutes. The persistence "
        "profile was shortened to 2 minutes and health checks now test the mailbox database, not just the port.",
        ("E-mail & collaboration", "Outlook"), SERVERS, ("E-mail",),
        ("Exchange mailbox servers", "vm-mbx-01", "vm-mbx-02", "lb-ein-01"), age_days=300,
    ),
    ProblemSpec(
        P_WAREHOUSE_WIFI, OPEN,
        "Handhelds and laptops in goods-in and dispatch lose Wi-Fi for 10 to 30 seconds several times a shift; "
        "the warehouse management session is lost with it. Worst near the dock doors.",
        "",
        ("Network", "Wi-Fi", "Warehouse Wi-Fi"), NETWORK, ("ERP",),
        ("wlc-ein-01", "sw-rtm-wh-f0", "Warehouse management", "rtr-rtm-wan-01"), age_days=45,
    ),
    ProblemSpec(
        P_ERP_MONTH_END, KNOWN_ERROR,
        "In the last three working days of the month the ERP takes 20 seconds or more per screen.",
        "The month-end accrual batch runs in daytime on the same RAC node as most user sessions and saturates "
        "the storage I/O of erp-db. Release 11.2 moves the batch to its own service on the third node.",
        ("Business applications", "ERP", "Performance"), DATABASES, ("ERP",),
        ("erp-db", "ERP production", "vm-ora-01", "vm-ora-02", "san-ein-01"), age_days=260,
    ),
    ProblemSpec(
        P_ERP_REPORTS, KNOWN_ERROR,
        "Reports over a full quarter stop with 'Request timed out' after ten minutes.",
        "The ERP application servers end any web request after 600 seconds; large reports are built inside the "
        "request instead of in the background. Release 11.2 runs reports as background jobs.",
        ("Business applications", "ERP", "Reports"), APPLICATIONS, ("ERP",),
        ("ERP production", "vm-erp-app-01", "vm-erp-app-02", "vm-erp-app-03"), age_days=190,
    ),
    ProblemSpec(
        P_CRM_SSO_LOOP, CLOSED,
        "Sales staff were sent back to the sign-in page again and again when opening the CRM.",
        "The clock of vm-crm-app-02 drifted by four minutes, so it rejected sign-in tokens as not yet valid. "
        "Time synchronisation was restored and is now monitored.",
        ("Access & accounts", "Single sign-on"), IDENTITY, ("CRM", "Identity and single sign-on"),
        ("CRM application", "vm-crm-app-02", "Single sign-on"), age_days=400,
    ),
    ProblemSpec(
        P_IDEAL_CHECKOUT, KNOWN_ERROR,
        "About 3% of iDEAL payments end with 'Payment could not be completed' although the bank has taken the money.",
        "The payment connector waits 15 seconds for the bank's confirmation; some banks take longer at busy "
        "times, the order is cancelled and the late confirmation is ignored.",
        ("Business applications", "Web shop"), APPLICATIONS, ("Web shop",),
        ("Payment connector", "vm-paygw-01", "Web shop API"), age_days=75,
    ),
    ProblemSpec(
        P_EDI_STUCK, OPEN,
        "Several times a week outbound invoices and dispatch advices to carriers stay in the EDI queue for hours.",
        "",
        ("Business applications", "ERP", "EDI"), APPLICATIONS, ("ERP",), ("EDI gateway", "vm-edi-01", "fw-ein-01"),
        age_days=20,
    ),
    ProblemSpec(
        P_SHARES_REORG, CLOSED,
        "After the new department structure went live, forty callers lost access to their department shares.",
        "Share permissions were granted to the old department groups, which the reorganisation emptied. "
        "Shares now use role groups that HR changes update automatically.",
        ("Access & accounts", "Permissions", "File share permissions"), IDENTITY, ("File shares",),
        ("File services", "Active Directory", "nas-ein-01"), age_days=340,
    ),
    ProblemSpec(
        P_DOCK_DISPLAYS, KNOWN_ERROR,
        "Since the dock firmware update, external monitors stay black after a laptop wakes from sleep.",
        "Dock firmware 1.0.28 does not renegotiate DisplayPort after the laptop resumes; a corrected firmware "
        "is in testing with the pilot group.",
        ("Hardware", "Desktop & laptop", "Docking station"), WORKPLACE, (),
        ("Endpoint management", "lt-ams-1001", "lt-ein-1002", "lt-ams-1003"), age_days=60,
    ),
    ProblemSpec(
        P_SOFTPHONE_REGISTRATION, OPEN,
        "Softphones show 'Registering' for minutes at a time; calls to the caller go straight to voicemail.",
        "",
        ("Telephony", "Softphone & headset"), NETWORK, ("Telephony",),
        ("Call manager", "vm-voip-01", "vm-voip-02", "Remote access VPN"), age_days=12,
    ),
    ProblemSpec(
        P_PRINTER_DRIVER, RESOLVED,
        "After the monthly Windows update, some callers' printers show 'Driver is unavailable'.",
        "The update removed per-user driver packages that had been installed outside the print server. All "
        "queues are now deployed from the print servers with packaged drivers.",
        ("Printing", "Print queues & drivers"), WORKPLACE, ("Printing",),
        ("Print server", "Endpoint management", "vm-print-01", "vm-print-ams-01", "vm-print-rtm-01"),
        age_days=230,
    ),
]  # fmt: skip
