"""What Kestrel Logistics' callers phone the desk about (see ``incidents.demo``): topics and clusters.

Services, CIs and support groups are named as the CMDB demo names them; ``PRINTER``, ``DEVICE``,
``PHONE`` and ``SWITCH`` stand for the caller's own (the printer and access switch of their floor, their
laptop or workstation, their desk phone). ``{floor}`` and ``{city}`` in a text become the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents.choices import Channel, Impact, ResolutionCode, State, Urgency

SEED = 2311
DAYS = 120  # how far back the incidents go

PRINTER, DEVICE, PHONE, SWITCH = "<printer>", "<device>", "<phone>", "<switch>"
# Topics that always have an open incident, so that the similar-incident panel has one to show for them.
OPEN_TOPICS = ("outlook_connect", "erp_slow", "handheld_session", "account_locked")

HIGH, MEDIUM, LOW = Impact.HIGH, Impact.MEDIUM, Impact.LOW
U_HIGH, U_MEDIUM, U_LOW = Urgency.HIGH, Urgency.MEDIUM, Urgency.LOW

NETWORK = "Network"
SERVERS = "Servers & Storage"
WORKPLACE = "Workplace Support"
APPLICATIONS = "Business Applications"
IDENTITY = "Identity & Access"

# Departments whose staff work from home and on the road (laptops and the VPN).
MOBILE_STAFF = ("Executive board", "Sales", "Marketing", "IT", "Operations", "Quality", "Facilities", "Finance")
OFFICE_APPS = ("Finance", "Logistics planning", "Customer service", "Operations", "Procurement", "Sales")


@dataclass(frozen=True)
class Topic:
    """A kind of call: what it is about (service, CIs, the group that would take it) and how callers put it."""

    key: str
    weight: int  # how often it comes up among the day-to-day calls
    service: str | None
    cis: tuple[str, ...]
    group: str
    impact: Impact
    urgency: Urgency
    summaries: tuple[str, ...]
    symptoms: tuple[str, ...]
    departments: tuple[str, ...] = ()  # callers from these departments (anyone when empty)
    cities: tuple[str, ...] = ()  # callers working there (anywhere when empty)
    affected: tuple[int, int] = (1, 1)


TOPICS: tuple[Topic, ...] = (
    # --- printing ---
    Topic("printer_jam", 8, "Printing", (PRINTER, "Print server"), WORKPLACE, LOW, U_MEDIUM,
          ("Printer on the {floor} jams", "Paper jam on the {floor} printer", "Printer keeps jamming in tray 2"),
          ("Every double-sided print gets stuck halfway and the display says paper jam in tray 2. I took the "
           "paper out but the next job jams again.",
           "The printer on the {floor} in {city} pulls the paper in crooked and stops with a jam. Colleagues "
           "have the same.",
           "Paper jam again on our floor printer, third time today. Single pages are fine, double-sided not."),
          affected=(1, 4)),
    Topic("printer_offline", 6, "Printing", (PRINTER, "Print server"), WORKPLACE, LOW, U_MEDIUM,
          ("Printer shows offline on my laptop", "Cannot print: printer offline"),
          ("My laptop says the printer is offline but it's switched on and others can print to it. I restarted "
           "the laptop already.",
           "Since this morning nothing comes out, the print queue says offline. The printer on the {floor} "
           "itself says ready.")),
    Topic("printer_quality", 3, "Printing", (PRINTER,), WORKPLACE, LOW, U_LOW,
          ("Prints come out blank after new toner", "Prints are faded and smear"),
          ("We put in a new toner cartridge and now the printer on the {floor} only gives empty white pages.",
           "Everything I print is pale and the toner smudges when I touch the paper.")),
    Topic("scan_to_email", 3, "Printing", (PRINTER, "Mail gateway"), WORKPLACE, LOW, U_MEDIUM,
          ("Scan to e-mail gives SMTP error", "Scans do not arrive in my mailbox"),
          ("When I scan to my email at the printer it says SMTP error, could not send.",
           "I scanned a contract at the {floor} printer twenty minutes ago and it never arrived in my inbox.")),
    Topic("badge_printing", 3, "Printing", (PRINTER, "Print server"), WORKPLACE, LOW, U_MEDIUM,
          ("Badge not recognised at the printer", "Follow-me printing says card not registered"),
          ("I hold my badge against the printer, it beeps and says card not registered. My print jobs are "
           "waiting.",
           "I got a new badge last week and now the printer doesn't know me, I can't release my prints.")),
    Topic("label_printer", 2, "Printing", ("prn-rtm-wh-f0", "Print server", "Warehouse management"), WORKPLACE,
          MEDIUM, U_HIGH,
          ("Shipping labels print on A4 in dispatch", "Labels come out on the office printer"),
          ("The shipping labels come out on the big printer on normal paper instead of the label printer. The "
           "trucks are waiting.",
           "Since this morning the labels for dispatch print on A4, we can't stick those on the pallets."),
          departments=("Warehouse",), cities=("Rotterdam",)),
    # --- laptops, desks and meetings ---
    Topic("dock_monitors", 4, None, (DEVICE,), WORKPLACE, LOW, U_MEDIUM,
          ("External screens stay black on the docking station", "Monitors show no signal"),
          ("When I come back from lunch my laptop wakes up but both screens on the dock stay black. Unplugging "
           "the dock helps sometimes.",
           "My two monitors say no signal since this morning. The laptop screen itself works.")),
    Topic("laptop_slow", 4, None, (DEVICE, "Endpoint management"), WORKPLACE, LOW, U_MEDIUM,
          ("Laptop very slow in the morning", "Computer extremely slow since the updates"),
          ("Every morning my laptop is super slow for ten minutes, Outlook takes ages to open and the fan is "
           "very loud.",
           "Everything is slow since the updates, opening Excel takes two minutes.")),
    Topic("bitlocker", 2, None, (DEVICE,), WORKPLACE, LOW, U_HIGH,
          ("Laptop asks for BitLocker recovery key", "Blue screen asking for a recovery key"),
          ("My laptop shows a blue screen asking for a BitLocker recovery key when I turn it on. I didn't "
           "change anything.",
           "After the update last night the laptop wants a recovery key and won't start. I have a meeting at "
           "ten."),
          departments=MOBILE_STAFF),
    Topic("meeting_audio", 3, None, (DEVICE,), WORKPLACE, LOW, U_MEDIUM,
          ("No sound in Teams at my desk", "Webcam not found in meetings"),
          ("In Teams I can't hear anybody and they can't hear me when the laptop is on the dock. At home it "
           "works.",
           "In the meeting it says no camera found, the others can't see me. Yesterday it worked.")),
    # --- e-mail ---
    Topic("outlook_connect", 5, "E-mail", ("Exchange mailbox servers",), SERVERS, LOW, U_MEDIUM,
          ("Outlook stuck on 'Trying to connect'", "Outlook not receiving new e-mails"),
          ("Outlook says trying to connect at the bottom and no new emails come in. Webmail works.",
           "My emails stay in the outbox and nothing new has arrived for an hour. Restarting Outlook didn't "
           "help.")),
    Topic("mailbox_full", 4, "E-mail", ("Exchange mailbox servers",), SERVERS, LOW, U_MEDIUM,
          ("Mailbox full, cannot send", "Outlook says my mailbox is almost full"),
          ("I get a message that my mailbox is full and I can't send emails anymore. I already emptied "
           "deleted items.",
           "Outlook warns the mailbox is over its limit and my replies to customers don't go out.")),
    Topic("outlook_search", 2, "E-mail", ("Exchange mailbox servers",), SERVERS, LOW, U_LOW,
          ("Outlook search does not find recent e-mails",),
          ("When I search in Outlook I only find old emails, nothing from the last weeks. I know the email is "
           "there.",)),
    Topic("shared_mailbox", 2, "E-mail", ("Exchange mailbox servers",), SERVERS, LOW, U_LOW,
          ("Sent items of the shared mailbox land in my own folder",),
          ("When I send from the customer service mailbox the sent email ends up in my own Sent Items, so my "
           "colleagues can't see it was answered.",),
          departments=("Customer service", "Sales")),
    Topic("phishing", 3, "E-mail", ("Mail gateway",), SERVERS, LOW, U_HIGH,
          ("Suspicious e-mail asking to confirm my password", "Phishing e-mail: mailbox will be closed"),
          ("I got an email that my mailbox will be closed unless I confirm my password with a link. It has our "
           "logo. I did not click.",
           "An email from 'IT support' asks me to log in to keep my account. I clicked the link but didn't type "
           "anything, is that bad?")),
    # --- remote access and the network ---
    Topic("vpn_auth", 5, "VPN / remote access", ("Remote access VPN", "RADIUS"), NETWORK, LOW, U_HIGH,
          ("VPN says authentication failed", "Cannot connect to VPN after password change"),
          ("I changed my password this morning and now the VPN won't connect from home. It keeps saying "
           "authentication failed.",
           "The VPN asks for my password again and again and then says authentication failed. Now my account "
           "is locked too."),
          departments=MOBILE_STAFF),
    Topic("vpn_drops", 4, "VPN / remote access", ("Remote access VPN", "vpn-ein-01"), NETWORK, LOW, U_MEDIUM,
          ("VPN disconnects every hour", "VPN drops during calls"),
          ("My VPN drops every hour or so and I have to log in again with the code on my phone.",
           "Working from home the VPN connection drops in the middle of Teams calls and comes back after a "
           "minute."),
          departments=MOBILE_STAFF),
    Topic("vpn_drives", 3, "VPN / remote access", ("Remote access VPN", "DNS and DHCP"), NETWORK, LOW, U_MEDIUM,
          ("VPN connected but S: drive not found", "No network drives over the VPN"),
          ("The VPN says connected but my S: drive has a red cross and the intranet can't be reached. Internet "
           "works.",),
          departments=MOBILE_STAFF),
    Topic("warehouse_wifi", 3, "ERP", ("wlc-ein-01", "sw-rtm-wh-f0"), NETWORK, MEDIUM, U_MEDIUM,
          ("Wi-Fi drops in the warehouse at the dock doors", "No Wi-Fi at the dock doors"),
          ("The wifi in the warehouse keeps dropping near the dock doors, my laptop and the scanners lose "
           "connection for half a minute.",
           "At dock door 9 the scanner and the forklift terminal keep losing the network, several times a "
           "shift."),
          departments=("Warehouse", "Operations"), cities=("Rotterdam",)),
    Topic("floor_network", 2, None, (SWITCH,), NETWORK, MEDIUM, U_MEDIUM,
          ("Network drops for everyone on our floor",),
          ("Everybody on the {floor} loses the network at the same time for a minute, then it comes back.",),
          cities=("Amsterdam",), affected=(6, 18)),
    Topic("desk_phone", 3, "Telephony", (PHONE, "Call manager"), NETWORK, LOW, U_HIGH,
          ("Desk phone stuck on 'Registering'", "No dial tone on my desk phone"),
          ("My desk phone says registering and I can't make or take calls. The light is on.",
           "The phone on my desk has no dial tone since I came in, the display is on."),
          departments=("Customer service", "Executive board")),
    Topic("contact_centre", 2, "Telephony", ("Contact centre", "Call manager"), APPLICATIONS, MEDIUM, U_HIGH,
          ("No calls coming in to the customer service queue",),
          ("Our queue has been completely quiet for half an hour, normally we get twenty calls an hour. A "
           "customer says he hears a busy tone.",),
          departments=("Customer service",), affected=(4, 12)),
    # --- accounts and sign-in ---
    Topic("account_locked", 6, "Identity and single sign-on", ("Active Directory",), IDENTITY, LOW, U_HIGH,
          ("Account locked", "Account locked again after password change"),
          ("My account keeps getting locked. You unlocked it an hour ago and now it's locked again.",
           "I can't log in on my PC, it says the account is locked. I only typed my password twice.")),
    Topic("password_expired", 3, "Identity and single sign-on", ("Active Directory",), IDENTITY, LOW, U_MEDIUM,
          ("Password expired while working from home", "New password not accepted"),
          ("My laptop says my password has expired and I must change it, but then it says the domain is not "
           "available. I'm at home.",
           "I try to change my password but it keeps saying it doesn't meet the requirements. It has 14 "
           "characters and a number.")),
    Topic("mfa_phone", 3, "Identity and single sign-on", ("Multi-factor authentication",), IDENTITY, LOW, U_HIGH,
          ("MFA notifications stopped after new phone", "Sign-in approval does not arrive on my phone"),
          ("I have a new phone and I don't get the sign-in notifications any more, so I can't log in to webmail "
           "or the VPN.",
           "The approve sign-in request never arrives on my phone, I waited five minutes.")),
    Topic("sso_invalid", 2, "Identity and single sign-on", ("Single sign-on",), IDENTITY, LOW, U_MEDIUM,
          ("Login page says invalid username or password",),
          ("The Kestrel login page says invalid username or password, but the same password works on my PC.",)),
    Topic("share_denied", 4, "File shares", ("File services",), IDENTITY, LOW, U_MEDIUM,
          ("Access denied on our department folder", "Cannot open the team folder on the S: drive"),
          ("I can't open our department folder on the S: drive anymore, it says access denied. Yesterday it "
           "worked.",
           "Since the reorganisation I have no access to the team folder, my colleagues still have.")),
    # --- business applications ---
    Topic("crm_login_loop", 3, "CRM", ("CRM application", "Single sign-on"), APPLICATIONS, LOW, U_HIGH,
          ("CRM keeps returning to the login page",),
          ("When I open the CRM I log in and it goes straight back to the login page, round and round. A "
           "customer is waiting.",),
          departments=("Sales", "Customer service", "Marketing")),
    Topic("crm_mail", 2, "CRM", ("CRM application", "Exchange mailbox servers"), APPLICATIONS, LOW, U_LOW,
          ("E-mails missing from the CRM customer history",),
          ("The emails I send to customers don't show up in the CRM any more, the history stops last week.",),
          departments=("Sales", "Customer service")),
    Topic("erp_slow", 4, "ERP", ("ERP production", "erp-db"), APPLICATIONS, MEDIUM, U_MEDIUM,
          ("ERP very slow", "ERP screens freeze"),
          ("The ERP is terribly slow, every screen takes 20 seconds or more and sometimes it freezes.",
           "Posting an order in the ERP takes minutes, my colleagues have the same."),
          departments=OFFICE_APPS, affected=(1, 6)),
    Topic("erp_report", 3, "ERP", ("ERP production", "erp-db"), APPLICATIONS, LOW, U_MEDIUM,
          ("ERP report stops with 'Request timed out'",),
          ("My revenue per customer report in the ERP runs for ages and then says request timed out. I need it "
           "for a meeting.",),
          departments=("Finance", "Sales", "Executive board")),
    Topic("erp_locked", 3, "ERP", ("ERP production",), APPLICATIONS, LOW, U_MEDIUM,
          ("ERP order locked by another user",),
          ("I want to change an order in the ERP but it says the document is locked by another user. Nobody "
           "else is working on it.",),
          departments=("Customer service", "Logistics planning")),
    Topic("erp_pdf", 2, "ERP", ("ERP production",), APPLICATIONS, LOW, U_LOW,
          ("ERP invoice PDF opens as a blank page",),
          ("When I open an invoice PDF from the ERP I only get a white page. Other PDFs work.",),
          departments=("Finance", "Customer service")),
    Topic("erp_access", 2, "ERP", ("ERP production", "Active Directory"), IDENTITY, LOW, U_MEDIUM,
          ("ERP says I have no access to this company",),
          ("I log in to the ERP and get an error that I have no access to this company. I just moved to another "
           "team.",),
          departments=OFFICE_APPS),
    Topic("handheld_session", 3, "ERP", ("Warehouse management", "wlc-ein-01"), APPLICATIONS, LOW, U_HIGH,
          ("Handheld scanner says 'Session expired'", "Scanner loses my pick list"),
          ("My scanner keeps saying session expired when I'm picking near the dock doors and then my pick list "
           "is gone.",
           "The handheld logged me out in the middle of an order, session expired, half the pallet already "
           "picked."),
          departments=("Warehouse",), cities=("Rotterdam",)),
    Topic("handheld_hardware", 2, "ERP", ("Warehouse management",), WORKPLACE, LOW, U_MEDIUM,
          ("Handheld scanner does not read barcodes", "Scanner battery empty halfway through the shift"),
          ("The scanner beeps but doesn't read the labels, the red light doesn't come on. Other scanners work.",
           "My scanner battery is dead after four hours, I have to swap it in the middle of picking."),
          departments=("Warehouse",), cities=("Rotterdam",)),
    Topic("wms_stock", 2, "ERP", ("Warehouse management", "wms-db"), APPLICATIONS, MEDIUM, U_MEDIUM,
          ("Warehouse system shows stock that is not in the bin",),
          ("The scanner sends me to a location but the bin is empty and the system still shows 40 boxes there.",),
          departments=("Warehouse", "Operations"), cities=("Rotterdam",)),
    Topic("edi_stuck", 2, "ERP", ("EDI gateway",), APPLICATIONS, MEDIUM, U_MEDIUM,
          ("EDI invoices stuck on 'waiting for acknowledgement'",),
          ("Our invoices to the carrier haven't arrived, in the EDI overview they've been waiting for "
           "acknowledgement since yesterday.",),
          departments=("Customer service", "Finance")),
    Topic("shop_payment", 2, "Web shop", ("Web shop front end", "Payment connector"), APPLICATIONS, MEDIUM, U_HIGH,
          ("Customer cannot pay in the web shop",),
          ("A customer called: they paid with iDEAL in the web shop, the money is gone from their bank but the "
           "booking says payment could not be completed.",),
          departments=("Customer service",)),
    Topic("shop_tracking", 2, "Web shop", ("Web shop API",), APPLICATIONS, LOW, U_MEDIUM,
          ("Web shop tracking page shows no information",),
          ("Customers call that the tracking page says no tracking information available, while the truck left "
           "this morning.",),
          departments=("Customer service",)),
    Topic("payslip", 3, "HR portal", ("HR self-service portal", "Payroll engine"), APPLICATIONS, LOW, U_LOW,
          ("Pay slip not in the HR portal",),
          ("My payslip for this month isn't in the HR portal yet, colleagues already have theirs. I need it for "
           "my mortgage.",)),
    Topic("expenses", 2, "HR portal", ("HR self-service portal",), APPLICATIONS, LOW, U_LOW,
          ("Cannot upload receipt photo to expense claim",),
          ("I try to add a photo of my receipt to the expense claim and it says file type not supported.",)),
    Topic("intranet_directory", 1, "Intranet", ("Intranet portal",), APPLICATIONS, LOW, U_LOW,
          ("Staff directory shows my old department",),
          ("The phone book on the intranet still shows my old team and manager, people keep calling the wrong "
           "person.",)),
    Topic("payroll_export", 1, "Payroll", ("Payroll bank interface", "Payroll engine"), APPLICATIONS, MEDIUM,
          U_HIGH, ("Payroll bank file rejected",),
          ("The salary payment file was rejected by the bank this morning, the bank portal says invalid file.",),
          departments=("HR", "Finance")),
)  # fmt: skip


@dataclass(frozen=True)
class Call:
    """One call of a cluster: minutes after the cluster began, in the caller's words; later calls added to it."""

    minutes: int
    summary: str
    symptoms: str
    state: State
    channel: Channel = Channel.PHONE
    added: tuple[tuple[int, str, int], ...] = ()  # (minutes after the cluster began, what the caller said, users)
    users: int = 1  # affected users when recorded


@dataclass(frozen=True)
class Cluster:
    """Similar calls within hours: the same service and CIs, similar words.

    ``start`` is ``"this morning"`` (the last working morning that is at least two hours old),
    ``"month end"`` (the last working day of the previous month), ``"payroll day"`` (the 20th of the month
    before that, or the working day before) or a number of days ago. With ``master`` the first call is
    the master incident (with the cluster's impact, urgency and ``serious``) and the others its subordinates.
    """

    topic: str
    start: str | int
    hour: tuple[int, int]
    impact: Impact
    urgency: Urgency
    calls: tuple[Call, ...]
    master: bool = False
    serious: bool = False
    city: str = ""  # callers working there only
    floor: str = ""  # and on this floor


REC, CLS, INV, CLO = State.RECORDED, State.CLASSIFIED, State.INVESTIGATING, State.CLOSED

CLUSTERS: tuple[Cluster, ...] = (
    Cluster("vpn_auth", "this morning", (8, 5), HIGH, U_MEDIUM, master=True, serious=True, calls=(
        Call(0, "VPN: authentication failed for home workers",
             "Several of us can't connect to the VPN from home since this morning, it says authentication failed. "
             "Password is correct, webmail works.", INV,
             added=((70, "Same here, VPN keeps saying authentication failed. Whole sales team at home.", 5),
                    (125, "VPN refuses my login, authentication failed, I'm at a customer's site.", 1))),
        Call(22, "VPN keeps saying authentication failed",
             "I'm working from home and the VPN keeps saying authentication failed. I typed my password three "
             "times.", CLS),
        Call(41, "Cannot connect to VPN: authentication failed",
             "VPN gives authentication failed, then asks for the code on my phone and fails again.", REC,
             Channel.CHAT),
        Call(96, "VPN rejects my password since this morning",
             "The VPN says authentication failed, I didn't change my password. I need the S: drive for a "
             "deadline.", REC, Channel.EMAIL),
    )),
    Cluster("printer_jam", "this morning", (9, 10), LOW, U_MEDIUM, city="Amsterdam", floor="2nd floor", calls=(
        Call(0, "Printer on the 2nd floor jams", "The printer on the 2nd floor in Amsterdam jams on every "
             "double-sided print, paper stuck in tray 2.", CLS,
             added=((55, "Printer on our floor jams again, I need the reports for the eleven o'clock meeting.", 2),)),
        Call(38, "Paper jam in tray 2 of the 2nd floor printer",
             "Paper jam again on the 2nd floor printer. I pulled the paper out of tray 2 but it jams on the next "
             "page.", REC, Channel.WALK_IN),
        Call(74, "2nd floor printer keeps jamming", "The Finance printer on the 2nd floor keeps jamming, the "
             "display says open tray 2.", REC, Channel.EMAIL),
    )),
    Cluster("erp_slow", "month end", (9, 20), MEDIUM, U_HIGH, master=True, calls=(
        Call(0, "ERP extremely slow at month end", "Every ERP screen takes half a minute today and posting "
             "invoices freezes. We have to close the month today.", CLO, users=8,
             added=((95, "ERP still very slow, invoicing has stopped for the whole team.", 6),)),
        Call(14, "ERP freezes when posting invoices", "The ERP freezes every time I post an invoice, then "
             "comes back after a minute.", CLO),
        Call(31, "ERP very slow", "The ERP is terribly slow since this morning, my colleagues have the same.",
             CLO, Channel.CHAT),
        Call(47, "Month end: ERP screens take 30 seconds", "Opening an order in the ERP takes 30 seconds, "
             "customers are waiting on the phone.", CLO),
        Call(63, "ERP hangs on the order screen", "The ERP hangs when I open the order screen, it's month end "
             "and we're behind.", CLO, Channel.EMAIL),
        Call(112, "ERP slow for planning", "Transport planning in the ERP is so slow we can't plan tomorrow's "
             "trucks.", CLO),
        Call(150, "ERP timeouts while closing the month", "The ERP says request timed out when I run the "
             "month-end reports.", CLO),
    )),
    Cluster("warehouse_wifi", 17, (6, 40), MEDIUM, U_HIGH, calls=(
        Call(0, "Wi-Fi drops at the dock doors", "The wifi keeps dropping at dock doors 7 to 12, the scanners "
             "lose their connection every few minutes.", CLO),
        Call(18, "Scanners lose Wi-Fi in the warehouse", "All the handheld scanners at goods-in lose the wifi, "
             "we can't book the deliveries.", CLO),
        Call(26, "Handheld says 'Session expired' at the dock doors", "My scanner says session expired near "
             "the dock doors and my pick list is gone again.", CLO),
        Call(45, "No Wi-Fi at dock door 9", "At dock door 9 there's no wifi at all, the forklift terminal is "
             "offline.", CLO, Channel.WALK_IN),
        Call(70, "Warehouse Wi-Fi keeps dropping", "Wifi in the Rotterdam warehouse drops every few minutes, "
             "dispatch is running late.", CLO),
        Call(132, "Scanner loses connection near the dock doors", "The scanner loses the connection at the "
             "dock doors, works again in the aisles.", CLO),
    )),
    Cluster("outlook_connect", 38, (10, 12), HIGH, U_HIGH, master=True, serious=True, calls=(
        Call(0, "Outlook down: 'Trying to connect' for everyone", "Nobody here gets email, Outlook says trying "
             "to connect and webmail gives an error too.", CLO, users=25,
             added=((8, "Outlook disconnected, no emails since ten o'clock.", 12),
                    (19, "Email not working in Rotterdam either, Outlook trying to connect.", 20),
                    (33, "Webmail shows an error page, Outlook disconnected.", 8))),
        Call(6, "Outlook stuck on 'Trying to connect'", "Outlook says trying to connect and my emails stay in "
             "the outbox.", CLO),
        Call(11, "No new e-mails since ten o'clock", "I haven't received any email since ten, Outlook says "
             "disconnected.", CLO, Channel.CHAT),
        Call(15, "Webmail not loading", "I'm on the road and webmail gives an error, I can't read my email.", CLO),
        Call(23, "Outlook disconnected", "Outlook shows disconnected at the bottom, restarting doesn't help.", CLO,
             Channel.EMAIL),
        Call(29, "E-mail not working", "Email is down for our whole department, Outlook keeps trying to "
             "connect.", CLO),
        Call(41, "Cannot send e-mails to customers", "My emails to customers stay in the outbox, Outlook says "
             "trying to connect.", CLO),
        Call(58, "Outlook says 'Trying to connect' after restart", "Outlook still trying to connect after I "
             "restarted my laptop.", CLO, Channel.CHAT),
    )),
    Cluster("payroll_export", "payroll day", (8, 35), HIGH, U_HIGH, master=True, serious=True, calls=(
        Call(0, "Payroll bank file rejected: salaries not paid", "The salary payment file was rejected by the "
             "bank, the bank portal says invalid file. Salaries have to go out today.", CLO, users=210),
        Call(27, "Payroll export to the bank fails", "The payroll export to the bank stops with an error, the "
             "file is empty.", CLO, Channel.EMAIL),
        Call(64, "Bank rejects the payroll payment file", "The bank called us: the payroll payment file "
             "doesn't validate. Can IT look at the export?", CLO),
    )),
)  # fmt: skip


# --- the later lifecycle steps --------------------------------------------------------------------------

# The category the desk classifies each topic under (paths of the knowledge demo's tree).
_PRINTER, _PRINTING, _LAPTOP = ("Hardware", "Printer"), ("Printing",), ("Hardware", "Desktop & laptop")
_MAIL, _NET, _ACCESS, _ERP = (
    ("E-mail & collaboration",),
    ("Network",),
    ("Access & accounts",),
    ("Business applications", "ERP"),
)
TOPIC_CATEGORIES: dict[str, tuple[str, ...]] = {
    "printer_jam": (*_PRINTER, "Paper jam"),
    "printer_offline": (*_PRINTING, "Print queues & drivers"),
    "printer_quality": (*_PRINTER, "Print quality"),
    "scan_to_email": (*_PRINTING, "Scan to e-mail"),
    "badge_printing": (*_PRINTING, "Follow-me printing"),
    "label_printer": (*_PRINTING, "Print queues & drivers"),
    "dock_monitors": (*_LAPTOP, "Docking station"),
    "laptop_slow": ("Software", "Windows"),
    "bitlocker": ("Software", "Windows"),
    "meeting_audio": (*_MAIL, "Teams & online meetings"),
    "outlook_connect": (*_MAIL, "Outlook"),
    "mailbox_full": (*_MAIL, "Mailbox & quota"),
    "outlook_search": (*_MAIL, "Outlook"),
    "shared_mailbox": (*_MAIL, "Shared mailboxes & calendars"),
    "phishing": (*_MAIL, "Spam & phishing"),
    "vpn_auth": (*_NET, "VPN & remote access"),
    "vpn_drops": (*_NET, "VPN & remote access"),
    "vpn_drives": (*_NET, "VPN & remote access"),
    "warehouse_wifi": (*_NET, "Wi-Fi", "Warehouse Wi-Fi"),
    "floor_network": (*_NET, "Wired network"),
    "desk_phone": ("Telephony", "Desk phone"),
    "contact_centre": ("Telephony", "Contact centre"),
    "account_locked": (*_ACCESS, "Password & lockout", "Account locked"),
    "password_expired": (*_ACCESS, "Password & lockout", "Password expiry"),
    "mfa_phone": (*_ACCESS, "Multi-factor authentication"),
    "sso_invalid": (*_ACCESS, "Single sign-on"),
    "share_denied": (*_ACCESS, "Permissions", "File share permissions"),
    "crm_login_loop": ("Business applications", "CRM"),
    "crm_mail": ("Business applications", "CRM"),
    "erp_slow": (*_ERP, "Performance"),
    "erp_report": (*_ERP, "Reports"),
    "erp_locked": (*_ERP, "Performance"),
    "erp_pdf": (*_ERP, "Reports"),
    "erp_access": (*_ACCESS, "Permissions", "Application roles"),
    "handheld_session": (*_ERP, "Warehouse management"),
    "handheld_hardware": ("Hardware", "Scanner & handheld", "Battery & cradle"),
    "wms_stock": (*_ERP, "Warehouse management"),
    "edi_stuck": (*_ERP, "EDI"),
    "shop_payment": ("Business applications", "Web shop"),
    "shop_tracking": ("Business applications", "Web shop"),
    "payslip": ("Business applications", "Payroll & HR portal"),
    "expenses": ("Business applications", "Payroll & HR portal"),
    "intranet_directory": ("Business applications", "Intranet"),
    "payroll_export": ("Business applications", "Payroll & HR portal"),
}  # fmt: skip

# Where the root cause turned out to lie elsewhere than the first classification (the dashboards compare).
ROOT_CAUSES: dict[str, tuple[str, ...]] = {
    "vpn_auth": (*_ACCESS, "Multi-factor authentication"),
    "vpn_drives": (*_NET, "Wired network"),
    "outlook_connect": (*_NET, "Internet access"),
    "handheld_session": (*_NET, "Wi-Fi", "Warehouse Wi-Fi"),
    "printer_offline": (*_PRINTER, "Toner & consumables"),
    "erp_slow": (*_ERP, "Month-end close"),
}

# How incidents were resolved: at first line (no group) or by a support group, with weights.
FIRST_LINE_CODES = {ResolutionCode.WORKAROUND: 55, ResolutionCode.NO_FAULT: 30, ResolutionCode.PERMANENT_FIX: 10,
                    ResolutionCode.WITHDRAWN: 5}  # fmt: skip
GROUP_CODES = {
    ResolutionCode.PERMANENT_FIX: 45,
    ResolutionCode.CHANGE: 15,
    ResolutionCode.WORKAROUND: 15,
    ResolutionCode.NOT_REPRODUCIBLE: 10,
    ResolutionCode.NO_FAULT: 10,
    ResolutionCode.DUPLICATE: 5,
}
RESOLUTION_NOTES: dict[str, tuple[str, ...]] = {
    ResolutionCode.WORKAROUND: (
        "We applied the known workaround with you on the phone and it works again. A permanent fix is planned.",
        "The workaround from our knowledge base solved it for now; we will tell you when the permanent fix is in.",
    ),
    ResolutionCode.PERMANENT_FIX: (
        "We found the cause and fixed it; it should work normally again. Please tell us if it does not.",
        "The faulty setting was corrected and tested with you. It should not happen again.",
    ),
    ResolutionCode.CHANGE: (
        "The fix was rolled out in last night's maintenance window; please check that it works for you.",
        "A change to the configuration was made this morning and solved the problem.",
    ),
    ResolutionCode.NO_FAULT: (
        "Everything works as it should; we walked through the steps together and it works now.",
        "No fault found: the setting was changed back on your side and it works again.",
    ),
    ResolutionCode.NOT_REPRODUCIBLE: (
        "We could not reproduce the problem and it has not come back since. Call us if it happens again.",
    ),
    ResolutionCode.DUPLICATE: ("This was the same problem as an incident that was already being handled.",),
    ResolutionCode.WITHDRAWN: ("You let us know the problem had gone away on its own; we closed the call.",),
}
SATISFACTION = {5: 45, 4: 35, 3: 12, 2: 5, 1: 3}
SATISFACTION_COMMENTS = ("Quick and friendly, thank you!", "Took a while, but it works now.",
                         "Great help on the phone.", "I had to call twice before anyone came back to me.")  # fmt: skip
