"""Known errors of the network, accounts and business applications (see ``knowledge.demo``)."""

from __future__ import annotations

from knowledge.choices import FixStatus
from knowledge.demo.data import (
    P_CRM_SSO_LOOP,
    P_EDI_STUCK,
    P_ERP_MONTH_END,
    P_ERP_REPORTS,
    P_IDEAL_CHECKOUT,
    P_SHARES_REORG,
    P_VPN_AFTER_CHANGE,
    P_WAREHOUSE_WIFI,
    KnownErrorSpec,
)

NONE, PLANNED, IN_PROGRESS, RELEASED = FixStatus.NONE, FixStatus.PLANNED, FixStatus.IN_PROGRESS, FixStatus.RELEASED

WAREHOUSE_WIFI = ("Network", "Wi-Fi", "Warehouse Wi-Fi")
WIFI = ("Network", "Wi-Fi")
GUEST_WIFI = ("Network", "Wi-Fi", "Guest Wi-Fi")
VPN = ("Network", "VPN & remote access")
WIRED = ("Network", "Wired network")
EXPIRY = ("Access & accounts", "Password & lockout", "Password expiry")
LOCKED = ("Access & accounts", "Password & lockout", "Account locked")
MFA = ("Access & accounts", "Multi-factor authentication")
SSO = ("Access & accounts", "Single sign-on")
SHARE_RIGHTS = ("Access & accounts", "Permissions", "File share permissions")
ROLES = ("Access & accounts", "Permissions", "Application roles")
STARTERS = ("Access & accounts", "New starters & leavers")
ERP_PERFORMANCE = ("Business applications", "ERP", "Performance")
ERP_REPORTS = ("Business applications", "ERP", "Reports")
MONTH_END = ("Business applications", "ERP", "Month-end close")
ERP = ("Business applications", "ERP")
CRM = ("Business applications", "CRM")
SHOP = ("Business applications", "Web shop")
EDI = ("Business applications", "ERP", "EDI")
HR = ("Business applications", "Payroll & HR portal")
INTRANET = ("Business applications", "Intranet")

KNOWN_ERRORS_SYSTEMS: list[KnownErrorSpec] = [
    KnownErrorSpec(
        title="VPN does not connect after a password change",
        symptoms="I changed my password this morning and now the VPN won't connect from home. It keeps asking for "
        "my password and then says authentication failed. Now my account is locked too.",
        cause="VPN client 6.1 keeps retrying with the old saved password, which locks the account in Active "
        "Directory after five attempts.",
        workaround=(
            "Unlock the account in Active Directory if it is locked (see the article on unlocking accounts).",
            "Ask the caller to open the VPN client > Settings > Saved credentials and choose Clear.",
            "Connect again, typing the new password and approving the MFA prompt.",
            "If the laptop itself still wants the old password, have the caller lock and unlock it once while "
            "the VPN is connected.",
        ),
        fix=PLANNED,
        categories=(VPN, EXPIRY),
        services=("VPN / remote access", "Identity and single sign-on"),
        cis=("Remote access VPN", "RADIUS", "vpn-ein-01", "vpn-ein-02", "Active Directory"),
        problem=P_VPN_AFTER_CHANGE,
        used=(38, 0),
    ),
    KnownErrorSpec(
        title="VPN connected but network drives and intranet not found",
        symptoms="The VPN says connected but my S: drive has a red cross and the intranet says site can't be "
        "reached. Internet works. I'm working from home.",
        cause="The home router's DNS answers first because the VPN adapter has a lower priority after a Windows "
        "feature update.",
        workaround=(
            "Ask the caller to disconnect the VPN, restart the laptop and connect again before opening anything.",
            "Check with `nslookup intranet.kestrel-logistics.example` that the answer is a 10.x address.",
            "If not, log a call for Network with the output; the fix is in VPN client 6.2.",
        ),
        fix=RELEASED,
        categories=(VPN,),
        services=("VPN / remote access", "File shares", "Intranet"),
        cis=("Remote access VPN", "DNS and DHCP"),
        used=(13, 9),
    ),
    KnownErrorSpec(
        title="VPN disconnects every hour",
        symptoms="My VPN drops every hour or so and I have to log in again with the code on my phone. Very "
        "annoying during calls.",
        cause="The VPN gateways ask for a new MFA approval every 60 minutes; the policy is being changed to 10 "
        "hours for managed laptops.",
        workaround=(
            "Tell the caller the reconnect is expected for now and takes under a minute.",
            "Advise them to reconnect just before a long call.",
        ),
        fix=IN_PROGRESS,
        categories=(VPN, MFA),
        services=("VPN / remote access",),
        cis=("vpn-ein-01", "vpn-ein-02", "Multi-factor authentication"),
        used=(16, 3),
    ),
    KnownErrorSpec(
        title="VPN client says 'certificate not valid'",
        symptoms="When I start the VPN I get an error about the certificate not being valid yet or expired. The "
        "clock on my laptop looks wrong.",
        cause="The laptop clock is wrong, usually after the CMOS battery ran flat or a trip abroad.",
        workaround=(
            "Ask the caller to open Settings > Time & language > Date & time.",
            "Turn on Set time automatically and Set time zone automatically, then click Sync now.",
            "Start the VPN again.",
        ),
        fix=NONE,
        categories=(VPN,),
        services=("VPN / remote access",),
        cis=("Remote access VPN",),
        used=(3, 47),
    ),
    KnownErrorSpec(
        title="Wi-Fi drops near the dock doors in the Rotterdam warehouse",
        symptoms="The wifi in the warehouse keeps dropping, especially at dock doors 7 to 12. My laptop and the "
        "scanners lose connection for half a minute, several times a shift.",
        cause="Under investigation: coverage gaps between two access points and the roll-up doors reflecting the "
        "signal; a site survey is booked.",
        workaround=(
            "Ask the caller which dock door they were at and when; add it to the incident.",
            "Advise working from the shift office workstation for long entries.",
            "Link the incident to the problem.",
        ),
        fix=PLANNED,
        categories=(WAREHOUSE_WIFI,),
        services=("ERP",),
        cis=("wlc-ein-01", "sw-rtm-wh-f0", "Warehouse management"),
        problem=P_WAREHOUSE_WIFI,
        used=(25, 1),
    ),
    KnownErrorSpec(
        title="Laptop cannot join the staff Wi-Fi after a password change",
        symptoms="Since I changed my password the wifi at the office says can't connect to this network. At home "
        "it's fine. Other people on my floor have wifi.",
        cause="Windows keeps the old password for the staff network and RADIUS refuses it.",
        workaround=(
            "Ask the caller to click the Wi-Fi icon, right-click 'Kestrel-Staff' and choose Forget.",
            "Connect to 'Kestrel-Staff' again and sign in with the new password.",
        ),
        fix=NONE,
        categories=(WIFI, EXPIRY),
        services=("Identity and single sign-on",),
        cis=("RADIUS", "wlc-ein-01"),
        used=(14, 6),
    ),
    KnownErrorSpec(
        title="Guest Wi-Fi voucher not accepted",
        symptoms="Our visitor can't get on the guest wifi, the code from reception says invalid or expired.",
        cause="Vouchers are valid from the moment they are printed for 8 hours and for one device.",
        workaround=(
            "Ask reception to print a new voucher for the visitor.",
            "A visitor with two devices needs two vouchers.",
        ),
        fix=NONE,
        categories=(GUEST_WIFI,),
        cis=("wlc-ein-01",),
        draft=True,
    ),
    KnownErrorSpec(
        title="Network drops for the whole 2nd floor in Amsterdam",
        symptoms="Everybody on the 2nd floor in Amsterdam loses the network at the same time for a minute, "
        "phones too. Finance can't work. It happened twice today.",
        cause="Both power supplies of the floor switch sw-ams-main-f2 are failing; its replacement is planned.",
        workaround=(
            "Check the monitoring for sw-ams-main-f2 and note the times of the drops.",
            "Link all 2nd floor callers' incidents to one major incident if the drop lasts over five minutes.",
            "Tell callers the switch is being replaced in a planned change and that work reconnects by itself.",
        ),
        fix=PLANNED,
        categories=(WIRED,),
        cis=("sw-ams-main-f2", "sw-ams-main-f2-new", "prn-ams-main-f2"),
        used=(6, 2),
    ),
    KnownErrorSpec(
        title="Account locked again and again after a password change",
        symptoms="My account keeps getting locked. You unlocked it an hour ago and now it's locked again. I "
        "changed my password on Monday. It says account locked, contact the helpdesk.",
        cause="A phone or tablet still tries the old password for mail, which locks the account after five tries.",
        workaround=(
            "Unlock the account in Active Directory.",
            "Ask the caller to update the password in the mail app on their phone, or remove the account there.",
            "If it locks again, ask Identity & Access for the lockout source from the domain controllers.",
        ),
        fix=NONE,
        categories=(LOCKED,),
        services=("Identity and single sign-on", "E-mail"),
        cis=("Active Directory", "vm-dc-01", "vm-dc-02"),
        used=(40, 0),
    ),
    KnownErrorSpec(
        title="Password expired while working from home",
        symptoms="My laptop says my password has expired and I must change it, but when I try it says the domain "
        "is not available. I'm at home and can't log in at all.",
        cause="A password can only be changed while the laptop reaches a domain controller, and the VPN starts "
        "only after sign-in.",
        workaround=(
            "Verify the caller's identity.",
            "Ask the caller to change the password at https://login.kestrel-logistics.example/password on a phone.",
            "Have them sign in on the laptop with the old cached password, connect the VPN, then lock and unlock "
            "the laptop with the new password.",
        ),
        fix=PLANNED,
        categories=(EXPIRY, VPN),
        services=("Identity and single sign-on", "VPN / remote access"),
        cis=("Active Directory", "Single sign-on", "Remote access VPN"),
        used=(29, 4),
    ),
    KnownErrorSpec(
        title="New password refused: 'does not meet the requirements'",
        symptoms="I try to change my password but it keeps saying it doesn't meet the requirements. I used a "
        "long one with numbers in it.",
        cause="The policy also refuses the last 12 passwords, the user's name and changes within 24 hours.",
        workaround=(
            "Explain the rules from the password policy article: 14 characters, no part of the name, not one of "
            "the last 12.",
            "If the caller changed it less than 24 hours ago, reset it from the desk instead.",
        ),
        fix=NONE,
        categories=(EXPIRY,),
        services=("Identity and single sign-on",),
        cis=("Active Directory",),
        used=(18, 5),
    ),
    KnownErrorSpec(
        title="MFA approvals stopped arriving after changing phones",
        symptoms="I have a new phone and I don't get the sign-in notifications any more, so I can't log in to the "
        "VPN or webmail. The old phone is wiped.",
        cause="The authenticator app is registered to the old phone.",
        workaround=(
            "Verify the caller's identity with a call-back to the number in the staff directory.",
            "Remove the old device in the MFA console under the caller's account.",
            "Send a registration link and stay on the line while the caller scans the QR code.",
        ),
        fix=NONE,
        categories=(MFA,),
        services=("Identity and single sign-on",),
        cis=("Multi-factor authentication",),
        used=(21, 3),
    ),
    KnownErrorSpec(
        title="MFA keeps asking for approval every few minutes",
        symptoms="My phone keeps buzzing with approve sign-in requests, even when I'm not doing anything. I get "
        "MFA prompts all day long.",
        cause="Either an old session on another device retries, or someone is trying the caller's password.",
        workaround=(
            "Tell the caller to deny every prompt they did not start.",
            "Reset the password straight away and sign out all sessions.",
            "Pass the incident to Identity & Access as a possible security incident.",
        ),
        fix=NONE,
        categories=(MFA, LOCKED),
        services=("Identity and single sign-on",),
        cis=("Multi-factor authentication", "Single sign-on"),
        used=(7, 13),
    ),
    KnownErrorSpec(
        title="SMS sign-in codes do not arrive abroad",
        symptoms="I'm abroad for work and the text message with the code never comes, so I can't log in.",
        cause="Some foreign networks drop the SMS from the short code used by the MFA service.",
        workaround=(
            "Ask the caller to choose 'Use the app instead' on the sign-in page.",
            "If the app is not set up, register it now with a call-back (see the MFA article).",
        ),
        fix=NONE,
        categories=(MFA,),
        services=("Identity and single sign-on",),
        cis=("Multi-factor authentication",),
        draft=True,
    ),
    KnownErrorSpec(
        title="Single sign-on says 'Invalid username or password' with the right password",
        symptoms="The Kestrel login page says invalid username or password, but the same password works on my "
        "laptop. I type my email address.",
        cause="The sign-in page expects the short username (for example jdevries), not the e-mail address.",
        workaround=(
            "Ask the caller to type the username without @kestrel-logistics.example.",
            "If that fails too, check whether the account is locked.",
        ),
        fix=PLANNED,
        categories=(SSO,),
        services=("Identity and single sign-on",),
        cis=("Single sign-on",),
        used=(12, 8),
    ),
    KnownErrorSpec(
        title="CRM keeps returning to the sign-in page",
        symptoms="When I open the CRM I go to the login page, I log in and then it goes back to the login page "
        "again and again. It loops forever.",
        cause="One CRM server's clock ran four minutes ahead, so it refused sign-in tokens as not yet valid.",
        workaround=(
            "Ask the caller to close all browser windows and open https://crm.kestrel-logistics.example again.",
            "If it still loops, clear the browser cookies for kestrel-logistics.example.",
            "Still looping: pass to Business Applications with the time it happened.",
        ),
        fix=RELEASED,
        categories=(CRM, SSO),
        services=("CRM", "Identity and single sign-on"),
        cis=("CRM application", "vm-crm-app-02", "Single sign-on"),
        problem=P_CRM_SSO_LOOP,
        used=(16, 58),
    ),
    KnownErrorSpec(
        title="'Access denied' on the department share after the reorganisation",
        symptoms="I can't open our department folder on the S: drive anymore, it says access denied, you don't "
        "have permission. I moved to the new team last week.",
        cause="Share access comes from role groups, which are updated overnight after HR records the move.",
        workaround=(
            "Check in the HR portal that the caller's new department is recorded; if not, ask their manager to "
            "record it.",
            "If it is recorded, ask the caller to sign out and in again after 07:00 the next morning.",
            "Urgent: Identity & Access can add the caller to the role group by hand.",
        ),
        fix=RELEASED,
        categories=(SHARE_RIGHTS,),
        services=("File shares",),
        cis=("File services", "Active Directory", "nas-ein-01"),
        problem=P_SHARES_REORG,
        used=(24, 16),
    ),
    KnownErrorSpec(
        title="Finance and HR shares are read-only during the move to the new storage",
        symptoms="I can open the files on the Finance drive but I can't save anything, it says the file is "
        "read-only or I need permission. This morning it worked.",
        cause="The shares are read-only while they are copied to the new storage in a planned change.",
        workaround=(
            "Tell the caller the share is being moved and is writable again after the change window.",
            "Ask them to save to their Documents folder for now and copy the file back afterwards.",
        ),
        fix=IN_PROGRESS,
        categories=(SHARE_RIGHTS,),
        services=("File shares",),
        cis=("File services", "vm-fs-01", "nas-ein-01"),
        used=(3, 0),
        age_days=1,
    ),
    KnownErrorSpec(
        title="New starter cannot sign in on the first morning",
        symptoms="It's my first day and the username and password I got don't work, it says the account is "
        "disabled. My manager is waiting.",
        cause="New accounts are enabled at 08:00 on the start date; early starters try before that.",
        workaround=(
            "Check the start date in the caller's account; enable it by hand if the date is today.",
            "If the account is missing altogether, ask the manager for the HR request number and pass it to "
            "Identity & Access.",
        ),
        fix=NONE,
        categories=(STARTERS,),
        services=("Identity and single sign-on",),
        cis=("Active Directory",),
        used=(7, 23),
    ),
    KnownErrorSpec(
        title="ERP very slow at month end",
        symptoms="The ERP is terribly slow today, every screen takes 20 seconds or more and sometimes it freezes. "
        "It's the end of the month and we have to finish invoicing.",
        cause="The month-end accrual batch competes with user sessions for the database's disk I/O.",
        workaround=(
            "Check the ERP status page for a running month-end batch and tell the caller it is expected.",
            "Advise saving work often and avoiding large searches before 16:00.",
            "If one screen hangs for more than two minutes, close that tab only, not the whole ERP.",
            "Link the incident to the problem.",
        ),
        fix=PLANNED,
        categories=(ERP_PERFORMANCE, MONTH_END),
        services=("ERP",),
        cis=("ERP production", "erp-db", "vm-ora-01", "vm-ora-02"),
        problem=P_ERP_MONTH_END,
        used=(28, 9),
    ),
    KnownErrorSpec(
        title="ERP report stops with 'Request timed out'",
        symptoms="My report in the ERP runs for ages and then says request timed out. It's the revenue per "
        "customer for the whole quarter. Smaller reports work.",
        cause="Web requests end after ten minutes and large reports are built inside the request.",
        workaround=(
            "Ask the caller to run the report per month instead of per quarter and combine them in Excel.",
            "Or schedule it: Reports > Schedule > Run tonight; the result arrives by e-mail.",
        ),
        fix=PLANNED,
        categories=(ERP_REPORTS,),
        services=("ERP",),
        cis=("ERP production", "vm-erp-app-01", "vm-erp-app-02", "vm-erp-app-03"),
        problem=P_ERP_REPORTS,
        used=(19, 4),
    ),
    KnownErrorSpec(
        title="ERP order 'locked by another user'",
        symptoms="I want to change an order in the ERP but it says the document is locked by another user. Nobody "
        "else is working on it, it's my own order.",
        cause="The lock of a session that ended abnormally (closed browser, lost Wi-Fi) stays for 30 minutes.",
        workaround=(
            "Ask the caller for the order number.",
            "In the ERP choose Administration > Locks, find the order and choose Release; Business Applications "
            "key users can also do this.",
        ),
        fix=NONE,
        categories=(ERP,),
        services=("ERP",),
        cis=("ERP production",),
        used=(22, 2),
    ),
    KnownErrorSpec(
        title="ERP invoice PDF opens as a blank page",
        symptoms="When I open an invoice PDF from the ERP I only get a white page, no invoice. Other PDFs work.",
        cause="The browser's built-in PDF viewer cannot show the embedded fonts of the invoice layout.",
        workaround=("Ask the caller to download the PDF instead and open it with Adobe Acrobat Reader.",),
        fix=IN_PROGRESS,
        categories=(ERP,),
        services=("ERP",),
        cis=("ERP production",),
        draft=True,
    ),
    KnownErrorSpec(
        title="Warehouse management shows stock that is not in the bin",
        symptoms="The scanner tells me to pick from a location but the bin is empty, and the system still shows "
        "stock there. The count is wrong.",
        cause="Goods-in bookings made during a Wi-Fi drop are stored on the handheld and sent later.",
        workaround=(
            "Ask the caller to choose Skip location > Report empty; the next bin is offered.",
            "The shift leader corrects the stock with a cycle count at the end of the shift.",
        ),
        fix=NONE,
        categories=(("Business applications", "ERP", "Warehouse management"), WAREHOUSE_WIFI),
        services=("ERP",),
        cis=("Warehouse management", "wms-db"),
        problem=P_WAREHOUSE_WIFI,
        used=(9, 5),
    ),
    KnownErrorSpec(
        title="CRM e-mails not shown on the customer record",
        symptoms="The emails I send to a customer don't show up in the CRM any more, the history stops last week.",
        cause="The CRM mailbox link expires every 90 days and has to be renewed by the user.",
        workaround=(
            "Ask the caller to open the CRM > My settings > E-mail > Reconnect mailbox.",
            "Sign in when asked; the missing e-mails are added within an hour.",
        ),
        fix=PLANNED,
        categories=(CRM,),
        services=("CRM", "E-mail"),
        cis=("CRM application", "Exchange mailbox servers"),
        used=(8, 18),
    ),
    KnownErrorSpec(
        title="Web shop checkout fails with 'Payment could not be completed'",
        symptoms="A customer called: they paid with iDEAL in the web shop, the money is gone from their bank but "
        "the shop says payment could not be completed and there's no booking.",
        cause="The payment connector gives up after 15 seconds when the bank confirms slowly and cancels the order.",
        workaround=(
            "Ask for the customer number and the time of payment.",
            "Check in the ERP under Web orders > Cancelled that the order is there with status 'Payment timeout'.",
            "Pass the incident to Business Applications, who restore the order; the customer is not charged twice.",
            "Tell the customer not to book again.",
        ),
        fix=IN_PROGRESS,
        categories=(SHOP,),
        services=("Web shop",),
        cis=("Payment connector", "vm-paygw-01", "Web shop API"),
        problem=P_IDEAL_CHECKOUT,
        used=(17, 1),
    ),
    KnownErrorSpec(
        title="Web shop shows 'No tracking information available'",
        symptoms="Customers say the web shop tracking page shows no tracking information available, while the "
        "truck already left this morning.",
        cause="Tracking updates come from the ERP every 30 minutes; shipments dispatched before a sync show nothing.",
        workaround=(
            "Check the dispatch time of the shipment in the ERP.",
            "If it left less than an hour ago, tell the customer tracking appears within the hour.",
            "Older than two hours: pass to Business Applications.",
        ),
        fix=PLANNED,
        categories=(SHOP,),
        services=("Web shop", "ERP"),
        cis=("Web shop API", "ERP production"),
        used=(12, 3),
    ),
    KnownErrorSpec(
        title="Customers do not receive the web shop password reset e-mail",
        symptoms="A customer says they asked for a new password in the web shop three times but the email never "
        "comes. Nothing in spam either, they say.",
        cause="Some customers' mail filters hold messages from the shop's no-reply address.",
        workaround=(
            "Ask the customer to add noreply@kestrel-logistics.example to their safe senders and check quarantine.",
            "If still missing, pass to Business Applications to send a one-time link from the shop admin.",
        ),
        fix=IN_PROGRESS,
        categories=(SHOP,),
        services=("Web shop", "E-mail"),
        cis=("Web shop front end", "Mail gateway"),
        used=(9, 10),
    ),
    KnownErrorSpec(
        title="EDI messages stuck 'waiting for acknowledgement'",
        symptoms="Our invoices to the carrier haven't arrived; in the EDI overview they're stuck on waiting for "
        "acknowledgement since yesterday.",
        cause="Under investigation: the gateway stops retrying a partner after its connection dropped once.",
        workaround=(
            "Open the EDI gateway console > Partners and find the partner.",
            "If the partner shows 'Suspended', choose Resume; queued messages are sent within five minutes.",
            "Link the incident to the problem with the partner name.",
        ),
        fix=NONE,
        categories=(EDI,),
        services=("ERP",),
        cis=("EDI gateway", "vm-edi-01"),
        problem=P_EDI_STUCK,
        used=(14, 2),
    ),
    KnownErrorSpec(
        title="EDI order rejected with 'unknown article code'",
        symptoms="A customer's electronic order bounced with unknown article code. They say they ordered the same "
        "as always.",
        cause="The customer uses their own article numbers; a new number is not yet in the cross-reference table.",
        workaround=(
            "Ask the customer or account manager for the unknown code from the rejection message.",
            "Pass it to Business Applications to add to the cross-reference table; the order is reprocessed.",
        ),
        fix=NONE,
        categories=(EDI,),
        services=("ERP",),
        cis=("EDI gateway", "ERP production"),
        used=(6, 20),
    ),
    KnownErrorSpec(
        title="Pay slip not visible in the HR portal",
        symptoms="My payslip for this month isn't in the HR portal yet, colleagues already have theirs. I need it "
        "for my mortgage.",
        cause="Pay slips appear after the payroll run closes on the 20th; corrections run a day later.",
        workaround=(
            "Check today's date against the payroll calendar (see the month-end reference).",
            "If it is after the 22nd, pass the incident to Business Applications with the employee number.",
        ),
        fix=NONE,
        categories=(HR,),
        services=("HR portal", "Payroll"),
        cis=("HR self-service portal", "Payroll engine"),
        used=(11, 12),
    ),
    KnownErrorSpec(
        title="Expense claim upload fails for phone photos",
        symptoms="I try to add a photo of my receipt to the expense claim and it says file type not supported. "
        "It's a picture from my iPhone.",
        cause="The HR portal does not accept HEIC photos.",
        workaround=(
            "Ask the caller to set the phone camera to Most Compatible (Settings > Camera > Formats) for receipts.",
            "For existing photos: share them by e-mail to themselves, which converts them to JPEG.",
        ),
        fix=PLANNED,
        categories=(HR,),
        services=("HR portal",),
        cis=("HR self-service portal",),
        used=(7, 24),
    ),
    KnownErrorSpec(
        title="Staff directory shows my old department",
        symptoms="The intranet phone book still shows my old team and manager, people keep calling the wrong person.",
        cause="The intranet reads the staff directory from Active Directory once a week.",
        workaround=(
            "Check that the department is correct in the HR portal.",
            "Tell the caller the intranet updates on Sunday night.",
        ),
        fix=PLANNED,
        categories=(INTRANET,),
        services=("Intranet",),
        cis=("Intranet portal", "Active Directory"),
        draft=True,
    ),
    KnownErrorSpec(
        title="Cannot open the ERP: 'you have no access to this company'",
        symptoms="I log in to the ERP and get an error that I have no access to this company. I just changed "
        "jobs from Rotterdam to Amsterdam.",
        cause="ERP roles are granted per company code; a move needs the role for the new company.",
        workaround=(
            "Ask the caller's manager to request the ERP role for the new company (see the ERP access article).",
            "Business Applications grants it within one working day.",
        ),
        fix=NONE,
        categories=(ROLES, ERP),
        services=("ERP",),
        cis=("ERP production",),
        draft=True,
    ),
]
