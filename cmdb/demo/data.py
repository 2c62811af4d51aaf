"""The tables behind the demo organisation (see ``cmdb.demo``): sites, people, groups, CIs, services, changes."""

from __future__ import annotations

from typing import Any

from cmdb.choices import ChangeState, CIStatus, Criticality, RelationshipKind, SupportTier

SEED = 1907
DOMAIN = "kestrel-logistics.example"

LIVE, PLANNED, MAINTENANCE, RETIRED = CIStatus.LIVE, CIStatus.PLANNED, CIStatus.MAINTENANCE, CIStatus.RETIRED
DEPENDS_ON, RUNS_ON, CONNECTED_TO = RelationshipKind.DEPENDS_ON, RelationshipKind.RUNS_ON, RelationshipKind.CONNECTED_TO

SERVICE_DESK = "Service Desk"
NETWORK = "Network"
SERVERS = "Servers & Storage"
DATABASES = "Databases"
WORKPLACE = "Workplace Support"
APPLICATIONS = "Business Applications"
IDENTITY = "Identity & Access"

MANAGER = "manager"
# name, tier, mailbox, description, demo members
GROUPS: list[tuple[str, SupportTier, str, str, tuple[str, ...]]] = [
    (SERVICE_DESK, SupportTier.SERVICE_DESK, "servicedesk",
     "First point of contact for every caller: logs, classifies and owns all incidents.", ("operator",)),
    (NETWORK, SupportTier.SECOND_LINE, "network",
     "LAN, WAN, Wi-Fi, firewalls, load balancers, remote access and telephony.", ()),
    (SERVERS, SupportTier.SECOND_LINE, "servers",
     "Hypervisors, virtual machines, storage arrays and backup; e-mail and file services.", ()),
    (DATABASES, SupportTier.THIRD_LINE, "dba", "PostgreSQL, SQL Server and Oracle databases.", ()),
    (WORKPLACE, SupportTier.SECOND_LINE, "workplace",
     "Workstations, laptops, printers and desk phones at all three sites; desk-side support.", ("support",)),
    (APPLICATIONS, SupportTier.SECOND_LINE, "apps",
     "ERP, warehouse management, CRM, payroll, HR, the web shop and the intranet.", ("support",)),
    (IDENTITY, SupportTier.THIRD_LINE, "iam",
     "Accounts, Active Directory, single sign-on and multi-factor authentication.", ()),
]  # fmt: skip

# Site (name, code, address, switchboard); building (name, code); floor (name, code); room (name, departments).
_RoomSpec = tuple[str, tuple[str, ...]]
_FloorSpec = tuple[str, str, list[_RoomSpec]]
_BuildingSpec = tuple[str, str, list[_FloorSpec]]
SITES: list[tuple[str, str, str, str, list[_BuildingSpec]]] = [
    ("Amsterdam HQ", "ams", "Stadhouderskade 140\n1074 BA Amsterdam\nNetherlands", "+31 20 794", [
        ("Main building", "main", [
            ("Ground floor", "f0", [("Reception", ()), ("Comms room", ()), ("Open office 0.A", ("Sales",))]),
            ("1st floor", "f1", [("Open office 1.A", ("Sales",)), ("Open office 1.B", ("Marketing",)),
                                 ("Meeting room 1.1", ())]),
            ("2nd floor", "f2", [("Open office 2.A", ("Finance",)), ("Open office 2.B", ("Finance",)),
                                 ("Meeting room 2.1", ())]),
            ("3rd floor", "f3", [("Open office 3.A", ("HR",)), ("Open office 3.B", ("Legal", "HR")),
                                 ("Meeting room 3.1", ())]),
            ("4th floor", "f4", [("Executive offices", ("Executive board",)), ("Board room", ())]),
        ]),
        ("Annex", "annex", [
            ("Ground floor", "f0", [("Comms room", ()), ("Training room", ())]),
            ("1st floor", "f1", [("Open office 1.A", ("Marketing", "Sales"))]),
        ]),
    ]),
    ("Rotterdam Distribution Centre", "rtm", "Waalhaven Zuidzijde 42\n3089 JH Rotterdam\nNetherlands", "+31 10 428", [
        ("Warehouse", "wh", [
            ("Ground floor", "f0", [("Comms room", ()), ("Goods-in", ("Warehouse",)), ("Dispatch", ("Warehouse",)),
                                    ("Shift office", ("Warehouse", "Operations"))]),
            ("Mezzanine", "mz", [("Mezzanine office", ("Operations", "Logistics planning"))]),
        ]),
        ("Office block", "office", [
            ("Ground floor", "f0", [("Comms room", ()), ("Customer service", ("Customer service",)),
                                    ("Canteen", ())]),
            ("1st floor", "f1", [("Planning room", ("Logistics planning",)),
                                 ("Open office 1.A", ("Operations", "Customer service")), ("Meeting room 1.1", ())]),
        ]),
    ]),
    ("Eindhoven Campus", "ein", "Flight Forum 820\n5657 DV Eindhoven\nNetherlands", "+31 40 219", [
        ("Data centre", "dc", [
            ("Ground floor", "f0", [("Server hall 1", ()), ("Server hall 2", ()), ("Network room", ()),
                                    ("Staging room", ())]),
        ]),
        ("Office", "office", [
            ("Ground floor", "f0", [("Comms room", ()), ("Reception", ()), ("IT service desk", ("IT",))]),
            ("1st floor", "f1", [("Open office 1.A", ("IT",)), ("Open office 1.B", ("Procurement", "Quality"))]),
            ("2nd floor", "f2", [("Open office 2.A", ("Facilities", "Quality")), ("Meeting room 2.1", ())]),
        ]),
    ]),
]  # fmt: skip

COMMS_ROOMS = {"Comms room", "Network room"}
CONFERENCE_ROOMS = ("Meeting room", "Board room", "Training room", "Planning room")

# Department, headcount (the three demo staff come on top of IT's).
DEPARTMENTS = [
    ("Executive board", 5), ("Finance", 22), ("HR", 12), ("Legal", 6), ("Marketing", 14), ("Sales", 24),
    ("Warehouse", 30), ("Operations", 14), ("Logistics planning", 12), ("Customer service", 20),
    ("IT", 15), ("Procurement", 10), ("Quality", 7), ("Facilities", 6),
]  # fmt: skip
DESK_DEPARTMENTS = ("Finance", "HR", "Legal", "Customer service", "Logistics planning", "Procurement")
LAPTOP_DEPARTMENTS = ("Executive board", "Sales", "Marketing", "IT", "Operations", "Quality", "Facilities")
DIRECTORS = ("Finance", "HR")  # the first caller of these departments is a VIP
MOBILE_SHARE = {"Executive board": 1.0, "Sales": 0.8, "IT": 0.8, "Operations": 0.6, "Facilities": 0.6}
DEMO_STAFF = [("Olivia", "Okafor", "operator"), ("Sam", "Lindqvist", "support"), ("Maria", "Costa", MANAGER)]

FIRST_NAMES = (
    "Anna", "Bram", "Chloé", "Daan", "Emma", "Fatima", "Gijs", "Hanna", "Ibrahim", "Julia", "Koen", "Lotte",
    "Mohamed", "Noor", "Oskar", "Priya", "Quinten", "Rosa", "Sem", "Tess", "Umar", "Vera", "Wouter", "Xander",
    "Yara", "Zeynep", "Lucas", "Sophie", "Milan", "Sanne", "Thijs", "Eva", "Ruben", "Lisa", "Jesse", "Fleur",
    "Stijn", "Iris", "Mehmet", "Aylin", "Piotr", "Agnieszka", "Tomasz", "Marta", "Youssef", "Samira", "Kees",
    "Ingrid", "Joost", "Marieke", "Pieter", "Annelies", "Hendrik", "Femke", "Niels", "Esther", "Arjen", "Lieke",
    "Rajesh", "Mei", "Kofi", "Amara", "Diego", "Lucía", "Jonas", "Elif", "Sven", "Maaike", "Giulia", "Matteo",
)  # fmt: skip
LAST_NAMES = (
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
    "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
    "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel",
    "van der Veen", "van den Broek", "de Bruijn", "de Jong", "Schouten", "van Beek", "Willems", "van Vliet",
    "van de Ven", "Hoekstra", "Maas", "Verhoeven", "Koster", "van Dam", "Prins", "Blom", "Huisman", "Peeters",
    "El Amrani", "Yilmaz", "Kaya", "Bouzid", "Nowak", "Kowalski", "Wiśniewski", "Ramdin", "Sewnarain", "Chen",
    "Nguyen", "Osei", "Fernández", "Rossi", "Schmidt", "Müller", "Andersen", "O'Brien", "Kuipers", "Veenstra",
    "Postma", "Wolters", "Timmermans", "Boersma", "Kramer", "van Dijk", "Hermans", "Evers", "Gerritsen",
)  # fmt: skip

WIN22, WIN16 = "Windows Server 2022", "Windows Server 2016"
UBUNTU24, UBUNTU22, RHEL9 = "Ubuntu 24.04 LTS", "Ubuntu 22.04 LTS", "Red Hat Enterprise Linux 9.4"
POSTGRES, SQLSERVER, ORACLE = "PostgreSQL 16", "SQL Server 2022", "Oracle Database 19c"

# Virtual machines: name, cluster, OS, vCPUs, RAM (GB), role. "planned" VMs go on the planned hypervisor.
VMS: list[tuple[str, str | None, str, int, int, str]] = [
    ("vm-dc-01", "prod", WIN22, 4, 16, "Domain controller, DNS and DHCP"),
    ("vm-dc-02", "prod", WIN22, 4, 16, "Domain controller, DNS and DHCP"),
    ("vm-dc-ams-01", "ams", WIN22, 2, 8, "Domain controller of the Amsterdam site"),
    ("vm-dc-rtm-01", "rtm", WIN22, 2, 8, "Domain controller of the Rotterdam site"),
    ("vm-sso-01", "prod", UBUNTU24, 4, 8, "Single sign-on node"),
    ("vm-sso-02", "prod", UBUNTU24, 4, 8, "Single sign-on node"),
    ("vm-mfa-01", "prod", WIN22, 2, 8, "Multi-factor authentication server"),
    ("vm-nps-01", "prod", WIN22, 2, 4, "RADIUS server for VPN and Wi-Fi"),
    ("vm-pg-01", "prod", UBUNTU24, 8, 32, "Shared PostgreSQL server"),
    ("vm-pg-02", "prod", UBUNTU24, 8, 64, "PostgreSQL server of the CRM"),
    ("vm-pg-shop-01", "prod", UBUNTU24, 16, 64, "PostgreSQL primary of the web shop"),
    ("vm-pg-shop-02", "prod", UBUNTU24, 16, 64, "PostgreSQL streaming replica of the web shop"),
    ("vm-sql-01", "prod", WIN22, 8, 64, "SQL Server instance for finance and HR"),
    ("vm-sql-02", "prod", WIN22, 8, 64, "SQL Server instance for operations and IT"),
    ("vm-ora-01", "prod", RHEL9, 16, 256, "Oracle RAC node 1"),
    ("vm-ora-02", "prod", RHEL9, 16, 256, "Oracle RAC node 2"),
    ("vm-mbx-01", "prod", WIN22, 8, 64, "Exchange mailbox server, DAG member"),
    ("vm-mbx-02", "prod", WIN22, 8, 64, "Exchange mailbox server, DAG member"),
    ("vm-smtp-01", "dmz", UBUNTU24, 2, 4, "Mail gateway node"),
    ("vm-smtp-02", "dmz", UBUNTU24, 2, 4, "Mail gateway node"),
    ("vm-webmail-01", "dmz", WIN22, 4, 16, "Webmail front end"),
    ("vm-pay-app-01", "prod", WIN22, 4, 16, "Payroll application server"),
    ("vm-pay-if-01", "prod", WIN22, 2, 8, "Payroll bank interface"),
    ("vm-crm-app-01", "prod", UBUNTU24, 8, 64, "CRM application server"),
    ("vm-crm-app-02", "prod", UBUNTU24, 8, 64, "CRM application server"),
    ("vm-crm-rpt-01", "prod", WIN22, 4, 16, "CRM reporting server"),
    ("vm-shop-web-01", "dmz", UBUNTU24, 4, 8, "Web shop front end"),
    ("vm-shop-web-02", "dmz", UBUNTU24, 4, 8, "Web shop front end"),
    ("vm-shop-web-03", "dmz", UBUNTU24, 4, 8, "Web shop front end"),
    ("vm-shop-api-01", "prod", UBUNTU24, 8, 16, "Web shop API"),
    ("vm-shop-api-02", "prod", UBUNTU24, 8, 16, "Web shop API"),
    ("vm-paygw-01", "dmz", UBUNTU24, 2, 4, "Connector to the payment service provider"),
    ("vm-hr-01", "prod", WIN22, 4, 16, "HR self-service portal"),
    ("vm-fs-01", "prod", WIN22, 4, 16, "File server, DFS namespace"),
    ("vm-fs-02", "prod", WIN22, 4, 16, "File server, DFS namespace"),
    ("vm-fs-ams-01", "ams", WIN22, 2, 8, "File server cache for Amsterdam"),
    ("vm-print-01", "prod", WIN22, 2, 8, "Print server Eindhoven"),
    ("vm-print-ams-01", "ams", WIN22, 2, 8, "Print server Amsterdam"),
    ("vm-print-rtm-01", "rtm", WIN22, 2, 8, "Print server Rotterdam"),
    ("vm-voip-01", "prod", RHEL9, 4, 8, "Call manager, publisher"),
    ("vm-voip-02", "prod", RHEL9, 4, 8, "Call manager, subscriber"),
    ("vm-cc-01", "prod", WIN22, 4, 16, "Contact centre server"),
    ("vm-erp-app-01", "prod", RHEL9, 8, 64, "ERP application server"),
    ("vm-erp-app-02", "prod", RHEL9, 8, 64, "ERP application server"),
    ("vm-erp-app-03", "prod", RHEL9, 8, 64, "ERP application server"),
    ("vm-erp-acc-01", "prod", RHEL9, 8, 32, "ERP acceptance environment, application and database"),
    ("vm-wms-01", "prod", WIN22, 8, 32, "Warehouse management server"),
    ("vm-edi-01", "prod", UBUNTU22, 4, 8, "EDI gateway"),
    ("vm-intra-01", "prod", WIN22, 4, 16, "Intranet front end"),
    ("vm-intra-02", "prod", WIN22, 4, 16, "Intranet front end"),
    ("vm-dwh-01", "prod", WIN22, 16, 128, "Data warehouse server"),
    ("vm-mon-01", "prod", UBUNTU24, 4, 16, "Monitoring server"),
    ("vm-mem-01", "prod", WIN22, 4, 16, "Endpoint management server"),
    ("vm-wsus-01", "prod", WIN22, 2, 8, "Windows update server"),
    ("vm-jump-01", "prod", WIN22, 2, 8, "Administrators' jump host"),
    ("vm-jump-02", "prod", UBUNTU24, 2, 4, "Administrators' jump host (Linux)"),
    ("vm-bkp-proxy-01", "prod", WIN22, 8, 32, "Backup proxy"),
    ("vm-build-01", "prod", UBUNTU24, 8, 16, "Build server of the web shop team"),
    ("vm-erp-app-04", "planned", RHEL9, 8, 64, "ERP application server for release 11.2"),
    ("vm-ora-03", "planned", RHEL9, 16, 256, "Oracle RAC node 3 for release 11.2"),
    ("vm-mbx-old-01", None, WIN16, 8, 32, "Exchange 2016 mailbox server, replaced by the DAG"),
]

# Databases: name, engine, runs on, size (GB), what it holds.
DATABASE_CIS: list[tuple[str, str, tuple[str, ...], int, str]] = [
    ("sso-db", POSTGRES, ("vm-pg-01",), 4, "Single sign-on realm and sessions"),
    ("monitoring-db", POSTGRES, ("vm-pg-01",), 220, "Monitoring history"),
    ("crm-db", POSTGRES, ("vm-pg-02",), 340, "Customers, contracts and opportunities"),
    ("shop-db", POSTGRES, ("vm-pg-shop-01",), 180, "Web shop catalogue, carts and orders"),
    ("shop-db-replica", POSTGRES, ("vm-pg-shop-02",), 180, "Streaming replica of shop-db for reporting"),
    ("payroll-db", SQLSERVER, ("vm-sql-01",), 60, "Payroll runs, pay slips and tax tables"),
    ("hr-db", SQLSERVER, ("vm-sql-01",), 25, "Employees, leave and appraisals"),
    ("cc-db", SQLSERVER, ("vm-sql-01",), 40, "Contact centre queues and call records"),
    ("wms-db", SQLSERVER, ("vm-sql-02",), 210, "Stock, bins and picking"),
    ("intranet-db", SQLSERVER, ("vm-sql-02",), 95, "Intranet content"),
    ("mem-db", SQLSERVER, ("vm-sql-02",), 70, "Endpoint management inventory"),
    ("dwh-db", SQLSERVER, ("vm-dwh-01",), 1400, "Data warehouse"),
    ("erp-db", ORACLE, ("vm-ora-01", "vm-ora-02"), 2100, "ERP production database, two RAC nodes"),
    ("erp-acc-db", ORACLE, ("vm-erp-acc-01",), 900, "ERP acceptance database, refreshed monthly"),
]

# Applications: name, owner group, runs on, depends on, attributes, description.
APPLICATION_CIS: list[tuple[str, str, tuple[str, ...], tuple[str, ...], dict[str, Any], str]] = [
    ("Active Directory", IDENTITY, ("vm-dc-01", "vm-dc-02", "vm-dc-ams-01", "vm-dc-rtm-01"), ("DNS and DHCP",),
     {"forest": f"corp.{DOMAIN}", "functional_level": "2016"}, "Accounts, groups and group policy of all staff."),
    ("DNS and DHCP", NETWORK, ("vm-dc-01", "vm-dc-02"), ("Active Directory",),
     {"zones": ["corp", "dmz"]}, "Name resolution and addresses; the zones are stored in Active Directory."),
    ("Single sign-on", IDENTITY, ("vm-sso-01", "vm-sso-02"), ("sso-db", "Active Directory", "lb-ein-01"),
     {"product": "Keycloak", "version": "24.0", "url": f"https://login.{DOMAIN}"}, "SAML and OpenID Connect."),
    ("Multi-factor authentication", IDENTITY, ("vm-mfa-01",), ("Active Directory",),
     {"methods": ["app", "sms"]}, "Second factor for VPN, webmail and administrators."),
    ("RADIUS", IDENTITY, ("vm-nps-01",), ("Active Directory", "Multi-factor authentication"),
     {"product": "Network Policy Server"}, "Authentication of VPN and Wi-Fi users."),
    ("Exchange mailbox servers", SERVERS, ("vm-mbx-01", "vm-mbx-02"), ("Active Directory", "DNS and DHCP"),
     {"product": "Exchange Server", "version": "2019 CU14", "mailboxes": 212}, "Mailboxes in a two-node DAG."),
    ("Mail gateway", SERVERS, ("vm-smtp-01", "vm-smtp-02"), ("Exchange mailbox servers", "DNS and DHCP"),
     {"mx": f"mx.{DOMAIN}"}, "Inbound and outbound mail, spam and malware filtering."),
    ("Webmail", SERVERS, ("vm-webmail-01",), ("Exchange mailbox servers", "Single sign-on", "lb-ein-01"),
     {"url": f"https://mail.{DOMAIN}"}, "Mail in the browser, for staff away from their desk."),
    ("Payroll engine", APPLICATIONS, ("vm-pay-app-01",), ("payroll-db", "Single sign-on"),
     {"vendor": "PayFlow", "version": "9.3"}, "Monthly payroll runs and pay slips."),
    ("Payroll bank interface", APPLICATIONS, ("vm-pay-if-01",), ("Payroll engine",),
     {"format": "SEPA pain.001"}, "Sends salary payments to the bank."),
    ("CRM application", APPLICATIONS, ("vm-crm-app-01", "vm-crm-app-02"),
     ("crm-db", "Single sign-on", "Exchange mailbox servers", "lb-ein-01"),
     {"url": f"https://crm.{DOMAIN}", "users": 64}, "Customers, quotes and contracts of sales and customer service."),
    ("CRM reporting", APPLICATIONS, ("vm-crm-rpt-01",), ("crm-db",), {}, "Sales dashboards and pipeline reports."),
    ("Web shop front end", APPLICATIONS, ("vm-shop-web-01", "vm-shop-web-02", "vm-shop-web-03"),
     ("Web shop API", "lb-ein-01"), {"url": f"https://shop.{DOMAIN}"}, "Where business customers book shipments."),
    ("Web shop API", APPLICATIONS, ("vm-shop-api-01", "vm-shop-api-02"),
     ("shop-db", "ERP production", "Payment connector"), {"version": "3.8.2"}, "Orders, prices and tracking."),
    ("Payment connector", APPLICATIONS, ("vm-paygw-01",), ("fw-ein-01",), {}, "Card and iDEAL payments."),
    ("HR self-service portal", APPLICATIONS, ("vm-hr-01",), ("hr-db", "Single sign-on", "Payroll engine"),
     {"url": f"https://hr.{DOMAIN}"}, "Leave requests, expense claims and pay slips for all staff."),
    ("Remote access VPN", NETWORK, ("vpn-ein-01", "vpn-ein-02"), ("RADIUS", "Multi-factor authentication"),
     {"client": "6.1", "concurrent_users": 250}, "Remote access for laptops."),
    ("File services", SERVERS, ("vm-fs-01", "vm-fs-02", "vm-fs-ams-01"),
     ("nas-ein-01", "Active Directory", "DNS and DHCP"), {"namespace": r"\\corp\shares"},
     "Departmental and personal shares."),
    ("Print server", WORKPLACE, ("vm-print-01", "vm-print-ams-01", "vm-print-rtm-01"), ("Active Directory",),
     {"follow_me": True}, "Print queues of all sites, with follow-me printing."),
    ("Call manager", NETWORK, ("vm-voip-01", "vm-voip-02"), ("SIP trunk Eindhoven", "DNS and DHCP"),
     {"version": "14 SU3"}, "IP telephony of all sites."),
    ("Contact centre", APPLICATIONS, ("vm-cc-01",), ("Call manager", "CRM application", "cc-db"),
     {"queues": 4}, "Call queues of customer service."),
    ("ERP production", APPLICATIONS, ("vm-erp-app-01", "vm-erp-app-02", "vm-erp-app-03"),
     ("erp-db", "Single sign-on", "File services"), {"release": "11.1", "users": 140},
     "Orders, transport planning, invoicing and the general ledger."),
    ("ERP acceptance", APPLICATIONS, ("vm-erp-acc-01",), ("erp-acc-db",), {"release": "11.2"},
     "Acceptance environment of the ERP; release 11.2 is being tested here."),
    ("Warehouse management", APPLICATIONS, ("vm-wms-01",), ("wms-db", "ERP production"),
     {"scanners": 38}, "Goods-in, storage and dispatch in Rotterdam."),
    ("EDI gateway", APPLICATIONS, ("vm-edi-01",), ("ERP production",), {"partners": 27},
     "Electronic orders and invoices with customers and carriers."),
    ("Intranet portal", APPLICATIONS, ("vm-intra-01", "vm-intra-02"), ("intranet-db", "Single sign-on", "lb-ein-01"),
     {"url": f"https://intranet.{DOMAIN}"}, "News, policies and the staff directory."),
    ("Data warehouse", APPLICATIONS, ("vm-dwh-01",), ("dwh-db", "ERP production", "CRM application"), {},
     "Management reporting, loaded nightly."),
    ("Monitoring", SERVERS, ("vm-mon-01",), ("monitoring-db",), {"checks": 2400}, "Availability and capacity."),
    ("Backup", SERVERS, ("bak-ein-01", "vm-bkp-proxy-01"), ("tape-ein-01", "san-ein-02"),
     {"retention_days": 35}, "Nightly backups to disk, weekly to tape."),
    ("Endpoint management", WORKPLACE, ("vm-mem-01", "vm-wsus-01"), ("mem-db", "Active Directory"), {},
     "Software distribution, patches and inventory of workstations and laptops."),
]  # fmt: skip

# Business services: name, criticality, owner group, description, top-level applications.
SERVICES: list[tuple[str, Criticality, str, str, tuple[str, ...]]] = [
    ("E-mail", Criticality.CRITICAL, SERVERS, "Mail, calendars and webmail for all staff.",
     ("Exchange mailbox servers", "Mail gateway", "Webmail")),
    ("Payroll", Criticality.HIGH, APPLICATIONS, "Monthly salaries and pay slips; the run closes on the 20th.",
     ("Payroll engine", "Payroll bank interface")),
    ("CRM", Criticality.HIGH, APPLICATIONS, "Customer records, quotes and contracts.",
     ("CRM application", "CRM reporting")),
    ("Web shop", Criticality.CRITICAL, APPLICATIONS, "Online booking and tracking of shipments for customers.",
     ("Web shop front end", "Web shop API", "Payment connector")),
    ("HR portal", Criticality.MEDIUM, APPLICATIONS, "Self-service for leave, expenses and pay slips.",
     ("HR self-service portal",)),
    ("VPN / remote access", Criticality.HIGH, NETWORK, "Working from home and on the road.", ("Remote access VPN",)),
    ("File shares", Criticality.MEDIUM, SERVERS, "Departmental and personal network drives.", ("File services",)),
    ("Printing", Criticality.LOW, WORKPLACE, "Printing and scanning at all sites.", ("Print server",)),
    ("Telephony", Criticality.HIGH, NETWORK, "Desk phones, meeting room phones and the contact centre.",
     ("Call manager", "Contact centre")),
    ("ERP", Criticality.CRITICAL, APPLICATIONS, "Orders, transport planning, warehouse and finance.",
     ("ERP production", "Warehouse management", "EDI gateway")),
    ("Identity and single sign-on", Criticality.CRITICAL, IDENTITY, "Sign-in to every application.",
     ("Active Directory", "Single sign-on", "Multi-factor authentication")),
    ("Intranet", Criticality.LOW, APPLICATIONS, "News, policies and the staff directory.", ("Intranet portal",)),
]  # fmt: skip

# Changes: title, state, start (hours from the current hour), duration (hours), affected CIs, description.
CHANGES: list[tuple[str, ChangeState, int, int, tuple[str, ...], str]] = [
    ("Firmware upgrade of the core switches in Eindhoven", ChangeState.COMPLETED, -62, 3,
     ("core-sw-ein-01", "core-sw-ein-02"), "IOS XE 17.9.4, one switch at a time; no outage expected."),
    ("Payroll release 9.4 with the new tax tables", ChangeState.FAILED, -44, 3,
     ("Payroll engine", "payroll-db", "vm-pay-app-01"),
     "Rolled back after the test pay slips failed validation; a new attempt is being planned."),
    ("Add 32 GB memory to the CRM application servers", ChangeState.COMPLETED, -28, 2,
     ("vm-crm-app-01", "vm-crm-app-02"), "CRM was slow at month end; one node at a time behind the load balancer."),
    ("Monthly Windows patches, wave 1 (infrastructure)", ChangeState.COMPLETED, -21, 4,
     ("vm-dc-01", "vm-dc-02", "vm-fs-01", "vm-fs-02", "vm-print-01", "vm-wsus-01"), "Reboots in pairs."),
    ("Replace a failed disk in san-ein-01", ChangeState.COMPLETED, -7, 2, ("san-ein-01",),
     "Hot-swap; the array rebuilt in 40 minutes."),
    ("Replace faulty memory in esx-ein-05", ChangeState.IN_PROGRESS, -3, 6, ("esx-ein-05",),
     "The host is in maintenance mode; its virtual machines run on the other hosts."),
    ("Move departmental shares to nas-ein-01", ChangeState.IN_PROGRESS, -2, 5,
     ("File services", "vm-fs-01", "nas-ein-01"), "Finance and HR shares first; read-only during the copy."),
    ("Renew the TLS certificates of the web shop", ChangeState.APPROVED, 4, 1,
     ("Web shop front end", "lb-ein-01", "lb-ein-02"), "Certificates expire in nine days."),
    ("Exchange cumulative update", ChangeState.APPROVED, 14, 4,
     ("Exchange mailbox servers", "vm-mbx-01", "vm-mbx-02"), "Tonight, one DAG member at a time."),
    ("Clean up the firewall rule base", ChangeState.APPROVED, 20, 2, ("fw-ein-01", "fw-ein-02"),
     "Remove 140 rules without hits in 180 days."),
    ("Add hypervisor esx-ein-09 to the production cluster", ChangeState.APPROVED, 72, 4,
     ("esx-ein-09", "san-ein-01", "tor-ein-h2-01", "tor-ein-h2-02"), "Capacity for the ERP upgrade."),
    ("Roll out VPN client 6.2 to all laptops", ChangeState.PLANNED, 96, 8,
     ("Remote access VPN", "vpn-ein-01", "vpn-ein-02", "Endpoint management"), "In three waves over one day."),
    ("Upgrade the ERP to release 11.2", ChangeState.PLANNED, 122, 10,
     ("ERP production", "erp-db", "vm-erp-app-01", "vm-erp-app-02", "vm-erp-app-03", "vm-erp-app-04", "vm-ora-03",
      "Warehouse management", "EDI gateway"), "Saturday; the warehouse works from paper lists during the upgrade."),
    ("Replace the access switch on the 2nd floor in Amsterdam", ChangeState.PLANNED, 146, 2,
     ("sw-ams-main-f2", "sw-ams-main-f2-new"), "Finance is without network for about 30 minutes."),
    ("Second core switch for Rotterdam", ChangeState.PLANNED, 160, 4, ("core-sw-rtm-01", "core-sw-rtm-02"),
     "Removes the last single point of failure in the Rotterdam network."),
    ("Upgrade single sign-on to the next major release", ChangeState.CANCELLED, -100, 3,
     ("Single sign-on", "vm-sso-01", "vm-sso-02", "sso-db"), "Cancelled: two applications are not yet certified."),
    ("Move the Rotterdam WAN link to the new carrier", ChangeState.COMPLETED, -214, 4,
     ("rtr-rtm-wan-01", "fw-rtm-01"), "New line of 1 Gbit/s; the old one is cancelled at the end of the month."),
    ("Decommission the legacy file server", ChangeState.COMPLETED, -290, 3, ("fs-legacy-01", "vm-mbx-old-01"),
     "Data moved to File services last month; disks wiped and certified."),
]  # fmt: skip

DEMO_USERNAMES = ("operator", "support", MANAGER)

# Serial number formats by vendor: prefix, alphabet, length.
_DIGITS, _ALNUM = "0123456789", "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SERIAL_FORMATS = {
    "dell": ("", "0123456789BCDFGHJKLMNPQRSTVWXYZ", 7),
    "hp": ("CZC", _DIGITS, 7),
    "hpe": ("MXQ", _ALNUM, 7),
    "lenovo": ("PF", _ALNUM, 6),
    "cisco": ("FOC", _ALNUM, 8),
    "fortinet": ("FG6H0F", _DIGITS, 8),
    "paloalto": ("0260", _DIGITS, 8),
    "f5": ("f5-", "abcdefghijklmnopqrstuvwxyz", 8),
    "netapp": ("7214", _DIGITS, 8),
    "poly": ("0004F2", "0123456789ABCDEF", 6),
}
