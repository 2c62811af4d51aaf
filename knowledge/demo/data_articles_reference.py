"""Reference articles of the knowledge-base demo: tables and facts the desk looks up (see ``knowledge.demo``)."""

from __future__ import annotations

from knowledge.choices import ArticleKind, ArticleStatus
from knowledge.demo.data import ArticleSpec, markdown

REFERENCE = ArticleKind.REFERENCE
DRAFT = ArticleStatus.DRAFT
DESK = ("General", "Service desk procedures")

ARTICLES_REFERENCE: list[ArticleSpec] = [
    ArticleSpec(
        "Support groups and what they own",
        REFERENCE,
        DESK,
        markdown("""
            Assign an incident to the group that owns the failing CI; the CMDB shows the owner on every CI.

            | Group | Line | Owns | Mailbox |
            |---|---|---|---|
            | Service Desk | 1st | Every incident until it is assigned | `servicedesk@` |
            | Network | 2nd | LAN, WAN, Wi-Fi, firewalls, VPN, telephony | `network@` |
            | Servers & Storage | 2nd | Virtual machines, storage, backup, e-mail, file shares | `servers@` |
            | Databases | 3rd | PostgreSQL, SQL Server, Oracle | `dba@` |
            | Workplace Support | 2nd | Laptops, workstations, printers, desk phones | `workplace@` |
            | Business Applications | 2nd | ERP, warehouse, CRM, payroll, HR, web shop, intranet | `apps@` |
            | Identity & Access | 3rd | Accounts, Active Directory, sign-on, MFA | `iam@` |

            Third-line groups take incidents from second line only, except for security incidents.
        """),
        age_days=520,
    ),
    ArticleSpec(
        "Priority: impact and urgency",
        REFERENCE,
        DESK,
        markdown("""
            The priority follows from **impact** (how many are affected) and **urgency** (how soon it hurts).

            | Impact \\ Urgency | High | Medium | Low |
            |---|---|---|---|
            | **High**: a site, a department or a critical service | 1 | 2 | 3 |
            | **Medium**: a team, or one VIP | 2 | 3 | 4 |
            | **Low**: one caller | 3 | 4 | 5 |

            Examples:

            - The web shop does not take orders: impact high, urgency high, **priority 1**.
            - The 2nd floor printer in Amsterdam is down, other printers work: medium and low, **priority 4**.
            - One caller's VPN fails at home, office reachable: low and medium, **priority 4**.

            Priority 1 always means a call-out (see *Call out the on-call engineers for a major incident*).
        """),
        age_days=510,
    ),
    ArticleSpec(
        "Service hours and response targets",
        REFERENCE,
        DESK,
        markdown("""
            The desk is staffed on working days from 07:00 to 19:00, and on Saturdays from 06:00 to 14:00 for the
            warehouse. Outside these hours the phone menu offers the on-call engineers for priority 1 only.

            | Priority | Respond within | Restore within | Hours |
            |---|---|---|---|
            | 1 | 15 minutes | 4 hours | 24/7 |
            | 2 | 30 minutes | 8 hours | 24/7 |
            | 3 | 4 hours | 2 working days | office hours |
            | 4 | 1 working day | 5 working days | office hours |
            | 5 | 2 working days | planned | office hours |

            The clock stops while an incident waits for the caller.
        """),
        age_days=500,
    ),
    ArticleSpec(
        "Sites, buildings and comms rooms",
        REFERENCE,
        ("General", "Questions & information"),
        markdown("""
            | Site | Address | Buildings | Comms rooms |
            |---|---|---|---|
            | Amsterdam HQ | Stadhouderskade 140 | Main building, Annex | ground floor of each |
            | Rotterdam Distribution Centre | Waalhaven Zuidzijde 42 | Warehouse, Office block | ground floor of each |
            | Eindhoven Campus | Flight Forum 820 | Data centre, Office | Network room (data centre) |

            - The **data centre** in Eindhoven holds all central servers; entry only with Facilities.
            - Amsterdam and Rotterdam each have a small server room in the comms room of the main building.
            - The IT service desk sits on the ground floor of the Eindhoven office.

            Keys for the comms rooms are kept by reception in Amsterdam and by the shift office in Rotterdam.
        """),
        age_days=450,
    ),
    ArticleSpec(
        "Network drive letters",
        REFERENCE,
        ("Access & accounts", "Permissions", "File share permissions"),
        markdown("""
            Drives are mapped at sign-in from the namespace `\\\\corp\\shares`.

            | Drive | Path | What it holds |
            |---|---|---|
            | `H:` | `\\\\corp\\shares\\home\\<username>` | Personal files, 20 GB |
            | `S:` | `\\\\corp\\shares\\<department>` | Department share |
            | `P:` | `\\\\corp\\shares\\projects` | Cross-department projects, by project folder |
            | `T:` | `\\\\corp\\shares\\transport` | Transport documents, read-only outside Operations |

            Access to `S:` follows the department recorded in the HR portal. Access to a project folder is requested
            by the project lead.
        """),
        services=("File shares",),
        age_days=340,
    ),
    ArticleSpec(
        "Printers by floor",
        REFERENCE,
        ("Printing", "Print queues & drivers"),
        markdown("""
            Every floor with office staff has one printer, named after its place: `prn-<site>-<building>-<floor>`.

            | Site | Printers |
            |---|---|
            | Amsterdam main building | `prn-ams-main-f0` to `prn-ams-main-f4` |
            | Amsterdam annex | `prn-ams-annex-f1` |
            | Rotterdam warehouse | `prn-rtm-wh-f0` (dispatch), `prn-rtm-wh-mz` (mezzanine) |
            | Rotterdam office block | `prn-rtm-office-f0`, `prn-rtm-office-f1` |
            | Eindhoven office | `prn-ein-office-f0` to `prn-ein-office-f2` |

            Two in three are colour printers (HP Color LaserJet M555); the others print black only (HP LaserJet
            M612). The `FollowMe` queue releases a job at any of them.
        """),
        services=("Printing",),
        author="support",
        age_days=310,
    ),
    ArticleSpec(
        "Web addresses of the business applications",
        REFERENCE,
        ("Business applications",),
        markdown("""
            All addresses sign in through the Kestrel sign-on page, except the ERP client.

            | Application | Address |
            |---|---|
            | Intranet | <https://intranet.kestrel-logistics.example> |
            | Webmail | <https://mail.kestrel-logistics.example> |
            | CRM | <https://crm.kestrel-logistics.example> |
            | HR portal | <https://hr.kestrel-logistics.example> |
            | Web shop (customers) | <https://shop.kestrel-logistics.example> |
            | Sign-on and password change | <https://login.kestrel-logistics.example> |
            | ERP | `https://erp.kestrel-logistics.example` (office network or VPN only) |

            Callers who reach the sign-in page in a loop should close every browser window first.
        """),
        age_days=420,
    ),
    ArticleSpec(
        "Password policy",
        REFERENCE,
        ("Access & accounts", "Password & lockout", "Password expiry"),
        markdown("""
            | Rule | Value |
            |---|---|
            | Minimum length | 14 characters |
            | Expires after | 180 days; a warning appears 14 days before |
            | History | none of the last 12 passwords |
            | Minimum age | 1 day between changes |
            | Lockout | 5 wrong attempts lock the account for 30 minutes |

            A password may not contain the username or parts of the full name. Long passphrases such as
            `harbour-crane-blue-47` are encouraged; character classes are not required.

            Callers change their password with **Ctrl + Alt + Del** at the office or on
            <https://login.kestrel-logistics.example/password> anywhere.
        """),
        services=("Identity and single sign-on",),
        age_days=470,
    ),
    ArticleSpec(
        "Switchboard numbers and extensions",
        REFERENCE,
        ("Telephony", "Desk phone"),
        markdown("""
            | Site | Switchboard | Extensions |
            |---|---|---|
            | Amsterdam | +31 20 794 | 2000 to 2099 |
            | Rotterdam | +31 10 428 | 2100 to 2199 |
            | Eindhoven | +31 40 219 | 2200 to 2299 |

            - Dial an internal extension with its four digits from any site.
            - Customer service has the queue number `+31 10 428 2100`; calls go to the contact centre.
            - The service desk is extension `2250`, from outside `+31 40 219 2250`.
            - Desk phones are Cisco IP Phone 8845; meeting rooms have a Poly Trio C60.
        """),
        services=("Telephony",),
        age_days=430,
    ),
    ArticleSpec(
        "Month-end and payroll calendar",
        REFERENCE,
        ("Business applications", "ERP", "Month-end close"),
        markdown("""
            | When | What happens | Effect for callers |
            |---|---|---|
            | Last 3 working days | ERP month-end batch in daytime | ERP slower; reports scheduled after 01:00 |
            | 1st working day | Period closed in the ERP | No postings in the old month |
            | 15th | Payroll changes deadline | Changes after this date go to next month |
            | 20th | Payroll run closes | Pay slips visible in the HR portal from the 21st |
            | 25th | Salaries paid | Bank interface sends the payments on the 23rd |

            No changes to the ERP, payroll or the web shop are made in the last three working days of a month.
        """),
        services=("ERP", "Payroll"),
        author="support",
        age_days=360,
    ),
    ArticleSpec(
        "Wi-Fi networks at the sites",
        REFERENCE,
        ("Network", "Wi-Fi"),
        markdown("""
            | Network name | For | Sign-in |
            |---|---|---|
            | `Kestrel-Staff` | Managed laptops | Username and password |
            | `Kestrel-Scan` | Warehouse handhelds (Rotterdam) | Certificate, no action needed |
            | `Kestrel-Guest` | Visitors and own phones | Voucher from reception, 8 hours |

            All access points are managed by the wireless controller in Eindhoven. In the Rotterdam warehouse,
            coverage near the dock doors is known to be weak; a site survey is planned.

            Staff phones belong on `Kestrel-Guest`, not on `Kestrel-Staff`.
        """),
        age_days=390,
    ),
    ArticleSpec(
        "VPN client versions",
        REFERENCE,
        ("Network", "VPN & remote access"),
        markdown("""
            | Version | Status | Notes |
            |---|---|---|
            | 5.x | Blocked | Refused by the gateways since last year |
            | 6.1 | Current | Saves the password; clear it after a password change |
            | 6.2 | Rolling out | No saved password; fixes DNS order after Windows updates |

            The roll-out of 6.2 runs in three waves in one day. Callers need do nothing; the client updates when
            the laptop restarts. Check the version under **Kestrel VPN > About**.
        """),
        services=("VPN / remote access",),
        author="support",
        age_days=40,
    ),
    ArticleSpec(
        "Mailbox and attachment limits",
        REFERENCE,
        ("E-mail & collaboration", "Mailbox & quota"),
        markdown("""
            | Limit | Value |
            |---|---|
            | Mailbox | 5 GB: warning at 4.5 GB, no sending at 5 GB, no receiving at 5.5 GB |
            | Online archive | 50 GB; items older than 2 years move automatically |
            | Message size | 25 MB including attachments, in and out |
            | Scans from printers | 10 MB per message |
            | Recipients | 500 per message |

            Shared mailboxes have no quota warning: their owners get a monthly report instead.
        """),
        services=("E-mail",),
        age_days=370,
    ),
    ArticleSpec(
        "Standard devices",
        REFERENCE,
        ("Hardware", "Desktop & laptop"),
        markdown("""
            | Device | Model | Who gets it |
            |---|---|---|
            | Laptop | Lenovo ThinkPad T14 or Dell Latitude 7440 | Board, sales, marketing, IT, operations, quality |
            | Workstation | Dell OptiPlex 7010 | Finance, HR, legal, customer service, planning, procurement |
            | Desk phone | Cisco IP Phone 8845 | Board and customer service |
            | Meeting room phone | Poly Trio C60 | Every meeting room |
            | Handheld scanner | rugged Android handheld | Warehouse, from the shift office |

            All run Windows 11 Enterprise. Other models are bought only with a medical or ergonomic reason.
        """),
        author="support",
        age_days=300,
    ),
    ArticleSpec(
        "What backups can restore",
        REFERENCE,
        ("General", "Questions & information"),
        markdown("""
            | What | How far back | Who restores | How long |
            |---|---|---|---|
            | Files on shares | 14 days via *Previous Versions* | the caller | minutes |
            | Files on shares | 35 days from backup | Servers & Storage | 1 working day |
            | Mail items | 30 days from *Recover Deleted Items* | the caller | minutes |
            | Whole mailbox | 35 days | Servers & Storage | 2 working days |
            | Databases | 35 days, weekly tapes for a year | Databases | by agreement |

            Files stored only on a laptop are **not** backed up. Ask callers to keep work on `H:` or `S:`.
        """),
        age_days=260,
    ),
    ArticleSpec(
        "Identity checks before account changes",
        REFERENCE,
        ("Access & accounts",),
        markdown("""
            Before a password reset, an unlock, an MFA change or a BitLocker key, check **two** of these:

            1. The employee number (on the pay slip and the staff badge).
            2. The name of the caller's manager.
            3. The room or floor where the caller works.
            4. The last four digits of the mobile number in the staff directory.

            For MFA changes, always call back on the number in the staff directory.

            Never act on a request by e-mail or chat alone, and never for a colleague "who is in a meeting".
        """),
        services=("Identity and single sign-on",),
        age_days=480,
    ),
    ArticleSpec(
        "Warehouse terms for the desk",
        REFERENCE,
        ("Business applications", "ERP", "Warehouse management"),
        markdown("""
            | Term | Meaning |
            |---|---|
            | Goods-in | Receiving pallets from trucks and booking them into stock |
            | Bin | A numbered storage place in the racks |
            | Pick list | The order lines a picker collects, shown on the handheld |
            | Dispatch | Packing, labelling and loading onto trucks |
            | Dock door | One of the loading doors; numbered 1 to 24 |
            | Cycle count | Counting one bin to correct the stock |

            The warehouse works in three shifts; the shift leader is the first contact for handhelds.
        """),
        services=("ERP",),
        status=DRAFT,
        author="support",
        age_days=6,
    ),
    ArticleSpec(
        "ERP release 11.2: what changes for callers",
        REFERENCE,
        ("Business applications", "ERP"),
        markdown("""
            Release 11.2 goes live on a Saturday; the warehouse works from paper lists during the upgrade.

            | Change | What callers notice |
            |---|---|
            | Reports run in the background | No more *Request timed out*; results appear under **My reports** |
            | Month-end batch on its own server | No slowdown in the last days of the month |
            | New sign-in page | Same username and password, new look |

            Known errors about report time-outs and month-end slowness are updated once the release is live.
        """),
        services=("ERP",),
        status=DRAFT,
        age_days=3,
    ),
]
