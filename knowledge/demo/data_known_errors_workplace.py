"""Known errors of the workplace: printers, laptops, handhelds, e-mail and telephony (see ``knowledge.demo``)."""

from __future__ import annotations

from knowledge.choices import FixStatus
from knowledge.demo.data import (
    P_DOCK_DISPLAYS,
    P_DUPLEX_JAMS,
    P_OUTLOOK_DISCONNECTED,
    P_PRINTER_DRIVER,
    P_SOFTPHONE_REGISTRATION,
    P_WAREHOUSE_WIFI,
    KnownErrorSpec,
)

NONE, PLANNED, IN_PROGRESS, RELEASED = FixStatus.NONE, FixStatus.PLANNED, FixStatus.IN_PROGRESS, FixStatus.RELEASED

PAPER_JAM = ("Hardware", "Printer", "Paper jam")
PRINT_QUALITY = ("Hardware", "Printer", "Print quality")
TONER = ("Hardware", "Printer", "Toner & consumables")
QUEUES = ("Printing", "Print queues & drivers")
FOLLOW_ME = ("Printing", "Follow-me printing")
SCAN_TO_MAIL = ("Printing", "Scan to e-mail")
DOCK = ("Hardware", "Desktop & laptop", "Docking station")
SCREEN = ("Hardware", "Desktop & laptop", "Screen & display")
WONT_START = ("Hardware", "Desktop & laptop", "Won't start")
POWER = ("Hardware", "Desktop & laptop", "Battery & power")
PERIPHERALS = ("Hardware", "Peripherals")
BARCODE = ("Hardware", "Scanner & handheld", "Barcode reading")
CRADLE = ("Hardware", "Scanner & handheld", "Battery & cradle")
WINDOWS = ("Software", "Windows")
OUTLOOK = ("E-mail & collaboration", "Outlook")
QUOTA = ("E-mail & collaboration", "Mailbox & quota")
SHARED_MAILBOX = ("E-mail & collaboration", "Shared mailboxes & calendars")
MEETINGS = ("E-mail & collaboration", "Teams & online meetings")
PHISHING = ("E-mail & collaboration", "Spam & phishing")
DESK_PHONE = ("Telephony", "Desk phone")
SOFTPHONE = ("Telephony", "Softphone & headset")
CONTACT_CENTRE = ("Telephony", "Contact centre")
VOICEMAIL = ("Telephony", "Voicemail")
WAREHOUSE = ("Business applications", "ERP", "Warehouse management")

KNOWN_ERRORS_WORKPLACE: list[KnownErrorSpec] = [
    KnownErrorSpec(
        title="Colour printer jams in tray 2 on double-sided prints",
        symptoms="Every time I print double-sided the printer pulls the paper in halfway and then says paper jam in "
        "tray 2. One-sided prints come out fine. It's the colour printer on our floor and it happens a few times "
        "a day now.",
        cause="The duplex unit of the HP Color LaserJet M555 mis-feeds the recycled 80 g/m² paper.",
        workaround=(
            "Ask the caller to open the right-hand door and pull the jammed sheet out towards them, never backwards.",
            "Have them fill tray 2 with the 90 g/m² paper from the cupboard next to the printer (green label).",
            "Ask them to print the job again; if it is urgent, print it one-sided.",
            "Link the incident to the problem so the jam counts towards the vendor case.",
        ),
        fix=PLANNED,
        categories=(PAPER_JAM,),
        services=("Printing",),
        cis=("prn-ams-main-f0", "prn-ams-main-f1", "prn-rtm-office-f0", "prn-ein-office-f0"),
        problem=P_DUPLEX_JAMS,
        used=(34, 1),
    ),
    KnownErrorSpec(
        title="Printer shows as offline in Windows although it is switched on",
        symptoms="My printer says offline on the laptop but it's on and other people can print to it. I tried to "
        "print three times and nothing comes out, the jobs just sit in the queue.",
        cause="Windows marks the queue offline after the laptop resumed on another network (VPN or Wi-Fi) and "
        "does not check again until the print spooler restarts.",
        workaround=(
            "Ask the caller to open Settings > Bluetooth & devices > Printers & scanners and select the printer.",
            "Choose Open print queue, then Printer > untick Use printer offline.",
            "If the queue stays offline, have them restart the laptop while connected to the office network.",
            "Still offline: remove the printer and add it again from the print server (see the article on adding "
            "a printer).",
        ),
        fix=NONE,
        categories=(QUEUES,),
        services=("Printing",),
        cis=("Print server", "vm-print-ams-01", "vm-print-rtm-01"),
        used=(27, 2),
    ),
    KnownErrorSpec(
        title="Printer prints blank pages after a new toner cartridge",
        symptoms="We put a new toner in and since then the printer only gives empty white pages. The pages come "
        "out, there's just nothing on them. Blank sheets every time.",
        cause="The orange sealing strip was left on the new cartridge, so no toner reaches the drum.",
        workaround=(
            "Ask the caller to open the front door and take the new cartridge out.",
            "Have them pull off the orange tape and the plastic clip at the side of the cartridge.",
            "Put the cartridge back until it clicks, close the door and print a test page from the printer menu.",
            "Still blank: log a call for Workplace Support, the cartridge may be faulty.",
        ),
        fix=NONE,
        categories=(PRINT_QUALITY, TONER),
        services=("Printing",),
        cis=("prn-ams-main-f2", "prn-rtm-wh-f0"),
        used=(12, 9),
    ),
    KnownErrorSpec(
        title="Prints from the 4th floor printer are faded and smear",
        symptoms="Everything I print on the 4th floor comes out pale and the toner smudges when I touch it. The "
        "letters rub off on my fingers.",
        cause="The fuser unit of prn-ams-main-f4 is worn; a replacement is on order.",
        workaround=(
            "Tell the caller the printer is waiting for a part and is in maintenance.",
            "Have them release their job at the printer on the 3rd floor with follow-me printing.",
            "For board papers, offer the printer in the Reception area on the ground floor.",
        ),
        fix=IN_PROGRESS,
        categories=(PRINT_QUALITY,),
        services=("Printing",),
        cis=("prn-ams-main-f4",),
        used=(6, 4),
    ),
    KnownErrorSpec(
        title="'Driver is unavailable' on printers after the monthly Windows update",
        symptoms="After the updates last night my printer says driver is unavailable and I can't print anything. "
        "The printer has a little warning sign in the list.",
        cause="The update removed printer drivers that had been installed by hand instead of from the print server.",
        workaround=(
            "Ask the caller to remove the printer in Settings > Printers & scanners.",
            "Have them open \\\\print-<site> in File Explorer (print-ams, print-rtm or print-ein).",
            "Double-click the printer of their floor; Windows installs the packaged driver itself.",
            "Print a test page.",
        ),
        fix=RELEASED,
        categories=(QUEUES, WINDOWS),
        services=("Printing",),
        cis=("Print server", "Endpoint management", "vm-print-01"),
        problem=P_PRINTER_DRIVER,
        used=(19, 38),
    ),
    KnownErrorSpec(
        title="Scan to e-mail fails with 'SMTP error' on the floor printers",
        symptoms="When I scan to my email at the printer it says SMTP error, could not send. Scanning used to "
        "work, now I never get the scan in my mail.",
        cause="The printers send through the mail gateway, which now refuses attachments over 10 MB from devices; "
        "colour scans at 600 dpi exceed it.",
        workaround=(
            "Ask the caller to choose Scan to e-mail > Options > Resolution 200 dpi and Colour: Auto.",
            "For long documents, have them scan in parts of 20 pages.",
            "Or scan to the network folder instead: Scan to network folder > My scans.",
        ),
        fix=IN_PROGRESS,
        categories=(SCAN_TO_MAIL,),
        services=("Printing", "E-mail"),
        cis=("Mail gateway", "prn-ams-main-f1", "prn-ein-office-f1"),
        used=(8, 6),
    ),
    KnownErrorSpec(
        title="Staff badge not recognised at the printer for follow-me printing",
        symptoms="I hold my badge on the printer and it beeps but says card not registered. My print jobs are "
        "waiting and I can't get them out. I have a new pass since last week.",
        cause="A replacement badge has a new card number that is not yet linked to the caller's account.",
        workaround=(
            "Ask the caller to tap the badge, then log in at the printer with username and PIN instead.",
            "On the printer screen choose Register card; the next tap links the new badge.",
            "Their waiting jobs appear under Release jobs.",
        ),
        fix=NONE,
        categories=(FOLLOW_ME,),
        services=("Printing",),
        cis=("Print server",),
        used=(15, 3),
    ),
    KnownErrorSpec(
        title="Print jobs go to the printer of my old floor after moving desks",
        symptoms="Since we moved to another floor everything I print comes out on the old printer downstairs. "
        "My default printer is still the old one.",
        cause="The default printer is set per user and follows the caller, not the desk.",
        workaround=(
            "Ask the caller to print to the queue 'FollowMe' instead of a floor printer.",
            "Set 'FollowMe' as default: Settings > Printers & scanners > FollowMe > Set as default.",
            "Untick Let Windows manage my default printer.",
        ),
        fix=NONE,
        categories=(FOLLOW_ME, QUEUES),
        services=("Printing",),
        cis=("Print server",),
        used=(8, 17),
    ),
    KnownErrorSpec(
        title="External monitors stay black on the dock after the laptop wakes up",
        symptoms="When I come back from lunch my laptop wakes up but both screens on the docking station stay "
        "black, no signal. The laptop screen works. Unplugging the cable sometimes helps.",
        cause="Dock firmware 1.0.28 does not renegotiate the display link after sleep.",
        workaround=(
            "Ask the caller to unplug the USB-C cable from the laptop, wait ten seconds and plug it in again.",
            "If the screens stay black, press Windows + P and choose Extend.",
            "As a stopgap, set Settings > System > Power > Screen and sleep > When plugged in, sleep after: Never.",
            "Link the incident to the problem; the pilot firmware is offered to callers who get this daily.",
        ),
        fix=IN_PROGRESS,
        categories=(DOCK, SCREEN),
        cis=("Endpoint management", "lt-ams-1001", "lt-ein-1002"),
        problem=P_DOCK_DISPLAYS,
        used=(22, 1),
    ),
    KnownErrorSpec(
        title="Laptop does not charge on the docking station",
        symptoms="My laptop battery keeps going down even though it's on the dock. It says plugged in, not "
        "charging. The screens work fine.",
        cause="The 65 W docks in the open offices cannot charge the laptops while they also drive two monitors.",
        workaround=(
            "Ask the caller to connect the laptop's own charger alongside the dock for today.",
            "Check the dock label underneath: 65 W docks are swapped for 100 W ones on request.",
            "Log a request for Workplace Support to swap the dock.",
        ),
        fix=PLANNED,
        categories=(DOCK, POWER),
        cis=("lt-ams-1005", "lt-ein-1008"),
        draft=True,
    ),
    KnownErrorSpec(
        title="Laptop screen goes black when closing the lid on the dock",
        symptoms="If I close my laptop when it's on the dock everything goes black and it goes to sleep. I want "
        "to work with the lid closed on the big screens.",
        cause="The lid-close action is set to Sleep for all power states by the standard configuration.",
        workaround=(
            "Ask the caller to open Control Panel > Power Options > Choose what closing the lid does.",
            "Set When I close the lid, Plugged in: Do nothing. Save changes.",
        ),
        fix=NONE,
        categories=(SCREEN, DOCK),
        cis=("lt-ams-1012", "lt-ein-1011"),
        used=(9, 12),
    ),
    KnownErrorSpec(
        title="BitLocker asks for the recovery key after a BIOS update",
        symptoms="My laptop shows a blue screen asking for a BitLocker recovery key when I turn it on. I didn't "
        "do anything, there was an update yesterday. I don't have a key.",
        cause="BIOS updates pushed before BitLocker was suspended changed the measured boot values.",
        workaround=(
            "Verify the caller's identity with two questions (see the article on identity checks).",
            "Ask for the 8-character key ID on the screen.",
            "Look up the recovery key in Endpoint management under the laptop's name and read it out.",
            "After sign-in, ask the caller to restart once so BitLocker seals the new values.",
        ),
        fix=RELEASED,
        categories=(WINDOWS, WONT_START),
        cis=("Endpoint management", "Active Directory"),
        used=(17, 26),
    ),
    KnownErrorSpec(
        title="Laptop very slow for the first ten minutes after signing in",
        symptoms="Every morning my laptop is super slow, the fan is loud and Outlook takes ages to open. After ten "
        "minutes or so it's fine again.",
        cause="The inventory scan of Endpoint management starts at sign-in and reads the whole disk.",
        workaround=(
            "Reassure the caller that it settles after about ten minutes.",
            "If it lasts longer, check Task Manager for another cause before linking to this known error.",
        ),
        fix=PLANNED,
        categories=(WINDOWS,),
        cis=("Endpoint management",),
        used=(11, 5),
    ),
    KnownErrorSpec(
        title="Webcam not found in online meetings",
        symptoms="In the meeting it says no camera found, the others can't see me. Yesterday it worked. The "
        "little light next to the camera doesn't go on.",
        cause="The ThinkPad privacy shutter is closed, or the camera is switched off with F9 on the Latitudes.",
        workaround=(
            "Ask the caller to slide the small shutter above the screen to the right.",
            "On a Dell Latitude, press F9 (camera key) once.",
            "In the meeting app choose Settings > Devices > Camera and pick the integrated camera.",
        ),
        fix=NONE,
        categories=(PERIPHERALS, MEETINGS),
        cis=("lt-ams-1016", "lt-ein-1024"),
        used=(7, 15),
    ),
    KnownErrorSpec(
        title="No sound in online meetings when the laptop is docked",
        symptoms="In Teams I can't hear anybody and they can't hear me when I'm at my desk. At home it works. My "
        "headset is plugged in but no sound at all.",
        cause="On docking, Windows switches the default audio device to the dock's output, which has nothing "
        "connected.",
        workaround=(
            "Ask the caller to click the speaker icon on the taskbar and pick the headset as output.",
            "In the meeting app: Settings > Devices > Speaker and Microphone, choose the headset.",
            "Unplug the headset and plug it into the laptop itself if it still shows the dock.",
        ),
        fix=NONE,
        categories=(MEETINGS, PERIPHERALS),
        cis=("Endpoint management",),
        used=(23, 2),
    ),
    KnownErrorSpec(
        title="Handheld scanner shows 'Session expired' and loses the pick list",
        symptoms="My scanner keeps saying session expired when I'm picking near the dock doors, and then my pick "
        "list is gone and I have to start again. The wifi symbol goes off for a bit.",
        cause="Handhelds lose Wi-Fi while roaming between access points near the dock doors; the warehouse "
        "management session ends after 10 seconds without a connection.",
        workaround=(
            "Ask the caller to walk back into the aisle until the Wi-Fi symbol is full.",
            "Sign in again on the handheld; choose Resume last task to get the pick list back.",
            "If the list is gone, the shift leader can reassign it under Picking > Open tasks.",
            "Link the incident to the problem and note the dock door number.",
        ),
        fix=PLANNED,
        categories=(("Network", "Wi-Fi", "Warehouse Wi-Fi"), WAREHOUSE),
        services=("ERP",),
        cis=("Warehouse management", "wlc-ein-01", "sw-rtm-wh-f0"),
        problem=P_WAREHOUSE_WIFI,
        used=(31, 0),
    ),
    KnownErrorSpec(
        title="Handheld scanner does not read barcodes any more",
        symptoms="The scanner beeps but doesn't read the labels, or the red light doesn't come on at all. It "
        "started after I reset it.",
        cause="A factory reset removes the Kestrel scan profile, which turns on the barcode types on our labels.",
        workaround=(
            "Ask the caller to bring the handheld to the shift office.",
            "Open Settings > Scanner > Profiles and import 'Kestrel-WMS' from the device storage.",
            "Scan a test label; if the light does not come on, wipe the scan window with a dry cloth.",
        ),
        fix=NONE,
        categories=(BARCODE,),
        services=("ERP",),
        cis=("Warehouse management",),
        used=(10, 19),
    ),
    KnownErrorSpec(
        title="Handheld battery is empty halfway through the shift",
        symptoms="My scanner battery is dead after four hours, I have to swap it in the middle of picking. The "
        "charging cradle light is orange all the time.",
        cause="The batteries of the first batch of handhelds are past 800 charge cycles.",
        workaround=(
            "Hand out a spare battery from the cabinet in the shift office.",
            "Mark the old battery with a red sticker and put it in the returns box.",
            "If the cradle light stays orange with a new battery, log a call for the cradle.",
        ),
        fix=PLANNED,
        categories=(CRADLE,),
        cis=("Warehouse management",),
        used=(4, 27),
    ),
    KnownErrorSpec(
        title="Shipping labels print on A4 instead of the label printer",
        symptoms="When I print the shipping labels in dispatch they come out on the big office printer on normal "
        "paper instead of the label printer.",
        cause="The warehouse management workstation profile lost its label printer after the PC was reinstalled.",
        workaround=(
            "In warehouse management choose Settings > Printers.",
            "Set Label printer to 'DISPATCH-LBL-01' and Document printer to 'prn-rtm-wh-f0'.",
            "Reprint the last label from Dispatch > Shipments > Reprint.",
        ),
        fix=NONE,
        categories=(WAREHOUSE, QUEUES),
        services=("ERP",),
        cis=("Warehouse management", "prn-rtm-wh-f0", "ws-rtm-1004"),
        used=(5, 33),
    ),
    KnownErrorSpec(
        title="Outlook stuck on 'Trying to connect…'",
        symptoms="Outlook says trying to connect at the bottom and no new emails come in. Sending stays in the "
        "outbox. Webmail works fine. Outlook disconnected since this morning.",
        cause="After a switch-over of the mailbox database, the load balancer kept Outlook sessions on the passive "
        "server.",
        workaround=(
            "Ask the caller to close Outlook completely (check the tray icon too).",
            "Wait one minute and start Outlook again.",
            "Still disconnected: hold Ctrl, right-click the Outlook tray icon > Connection Status, and note the "
            "server name in the incident.",
        ),
        fix=RELEASED,
        categories=(OUTLOOK,),
        services=("E-mail",),
        cis=("Exchange mailbox servers", "lb-ein-01"),
        problem=P_OUTLOOK_DISCONNECTED,
        used=(33, 44),
    ),
    KnownErrorSpec(
        title="Mailbox full: cannot send any more e-mail",
        symptoms="I get a message that my mailbox is full and I can't send emails anymore. It says mailbox almost "
        "full, over its size limit. I really need to send something now.",
        cause="The mailbox has reached its quota of 5 GB; sending stops at 5 GB, receiving at 5.5 GB.",
        workaround=(
            "Ask the caller to empty Deleted Items and Junk Email (right-click > Empty folder).",
            "Sort the Sent Items by size and delete or archive the largest messages.",
            "Turn on the online archive if it is not enabled (see the article on archiving mail).",
            "A temporary extra 1 GB may be granted by Servers & Storage for VIPs only.",
        ),
        fix=NONE,
        categories=(QUOTA,),
        services=("E-mail",),
        cis=("Exchange mailbox servers",),
        used=(36, 0),
    ),
    KnownErrorSpec(
        title="Outlook search does not find recent e-mails",
        symptoms="When I search in Outlook I only find old emails, nothing from the last weeks. I know the email "
        "is there. Search results are incomplete.",
        cause="The Windows search index on the laptop stopped after a full disk and does not rebuild on its own.",
        workaround=(
            "Ask the caller to open Outlook > File > Options > Search > Indexing Options.",
            "Click Advanced > Rebuild and confirm.",
            "Tell the caller that search is incomplete for up to an hour while it rebuilds; webmail search works "
            "meanwhile.",
        ),
        fix=NONE,
        categories=(OUTLOOK, WINDOWS),
        services=("E-mail",),
        used=(14, 8),
    ),
    KnownErrorSpec(
        title="Sent items of a shared mailbox land in my own Sent folder",
        symptoms="When I send from the customer service mailbox, the sent email ends up in my own Sent Items and "
        "my colleagues can't see what was answered.",
        cause="Exchange stores items sent 'as' a shared mailbox in the sender's mailbox unless the mailbox is "
        "configured otherwise.",
        workaround=(
            "Log a request to Servers & Storage to enable 'copy sent items' on the shared mailbox.",
            "Until then, ask the caller to move the message into the shared mailbox's Sent Items by hand.",
        ),
        fix=RELEASED,
        categories=(SHARED_MAILBOX,),
        services=("E-mail",),
        cis=("Exchange mailbox servers",),
        used=(9, 52),
    ),
    KnownErrorSpec(
        title="E-mail with a large attachment bounces",
        symptoms="I sent a big file to a customer and got an email back saying undeliverable, message too large. "
        "It's a PDF of about 30 MB.",
        cause="The mail gateway refuses messages over 25 MB, attachments included.",
        workaround=(
            "Ask the caller to put the file on the department share and share a link, or split it over several "
            "messages.",
            "For customers, the secure file transfer at https://files.kestrel-logistics.example accepts up to 2 GB.",
        ),
        fix=NONE,
        categories=(QUOTA,),
        services=("E-mail",),
        cis=("Mail gateway",),
        used=(11, 14),
    ),
    KnownErrorSpec(
        title="Phishing e-mail asking to confirm the mailbox password",
        symptoms="I got an email that my mailbox will be closed unless I confirm my password, with a link. It "
        "looks like our logo. I think I clicked it and typed my password.",
        cause="An ongoing phishing campaign imitating the Kestrel sign-in page.",
        workaround=(
            "If the caller entered the password: reset it now and sign out all sessions (see the article on "
            "password resets).",
            "Ask the caller to use Report message in Outlook, then delete the e-mail.",
            "Tell Identity & Access the time of the click for the sign-in logs.",
        ),
        fix=NONE,
        categories=(PHISHING,),
        services=("E-mail", "Identity and single sign-on"),
        cis=("Mail gateway", "Single sign-on"),
        draft=True,
    ),
    KnownErrorSpec(
        title="Softphone stuck on 'Registering…'",
        symptoms="My softphone says registering and I can't make or take calls. People say my calls go straight "
        "to voicemail. It comes back by itself after a while.",
        cause="Under investigation: the call manager drops registrations from VPN clients when the VPN renews its "
        "tunnel.",
        workaround=(
            "Ask the caller to quit the softphone from the tray icon and start it again.",
            "If the caller is on VPN, disconnect and reconnect the VPN first.",
            "Meanwhile forward calls to the mobile: dial *21* followed by the mobile number from the desk phone.",
            "Link the incident to the problem, noting whether the caller was on VPN.",
        ),
        fix=PLANNED,
        categories=(SOFTPHONE,),
        services=("Telephony",),
        cis=("Call manager", "vm-voip-01", "vm-voip-02"),
        problem=P_SOFTPHONE_REGISTRATION,
        used=(20, 0),
    ),
    KnownErrorSpec(
        title="Desk phone shows 'Registering' after moving to another desk",
        symptoms="I took my phone to my new desk and plugged it in, now it just says registering and my extension "
        "doesn't work.",
        cause="Phones are registered to the switch port they were installed on; a move needs the port enabled for "
        "voice.",
        workaround=(
            "Ask the caller for the label on the wall socket (for example 2.A-14).",
            "Log a request for Network to enable the voice VLAN on that port.",
            "Until then, forward the extension to a colleague or mobile via the self-care portal.",
        ),
        fix=PLANNED,
        categories=(DESK_PHONE,),
        services=("Telephony",),
        cis=("Call manager", "ph-ams-2001", "ph-rtm-2144"),
        used=(8, 21),
    ),
    KnownErrorSpec(
        title="Caller cannot hear me when I use a headset on the desk phone",
        symptoms="When I use my headset on the desk phone I can hear them but they can't hear me. Without headset "
        "it works. Microphone not working on the phone.",
        cause="The Cisco 8845 headset port is set to wireless headsets by default; wired headsets need 'Wired'.",
        workaround=(
            "Ask the caller to press Settings (gear key) > Accessories > Headset.",
            "Set Microphone gain to Default and Type to Wired.",
            "Make a test call to the service desk.",
        ),
        fix=NONE,
        categories=(SOFTPHONE, DESK_PHONE),
        services=("Telephony",),
        cis=("ph-rtm-2155", "ph-rtm-2139", "Call manager"),
        used=(13, 10),
    ),
    KnownErrorSpec(
        title="Agent cannot log in to the contact centre queue: 'agent already logged in'",
        symptoms="I can't log in to the customer service queue, it says agent already logged in. I'm not logged "
        "in anywhere else, my PC crashed earlier.",
        cause="The old session stays on the contact centre server until it times out after 60 minutes.",
        workaround=(
            "Open the contact centre supervisor page and find the agent under Agents > Logged in.",
            "Choose Force logout for the agent.",
            "Ask the caller to log in again; their queues come back automatically.",
        ),
        fix=PLANNED,
        categories=(CONTACT_CENTRE,),
        services=("Telephony",),
        cis=("Contact centre", "vm-cc-01"),
        used=(15, 7),
    ),
    KnownErrorSpec(
        title="Echo on the board room conference phone",
        symptoms="In meetings in the board room the people on the other end hear themselves back, a terrible echo. "
        "It's the conference phone on the table.",
        cause="The conference phone stands next to the ceiling speaker of the video system, which feeds its own "
        "sound back.",
        workaround=(
            "Ask the caller to mute the video system or turn its volume down during phone calls.",
            "Move the conference phone at least a metre from the screen.",
        ),
        fix=NONE,
        categories=(DESK_PHONE,),
        services=("Telephony",),
        cis=("ph-ams-main-board-room",),
        draft=True,
    ),
    KnownErrorSpec(
        title="Voicemail PIN locked after wrong attempts",
        symptoms="I can't get into my voicemail, it says my PIN is locked. I forgot the code after the holidays.",
        cause="Voicemail locks after five wrong PINs.",
        workaround=(
            "Verify the caller's identity.",
            "In the call manager user page, choose the caller > Voicemail > Reset PIN; the new PIN is 1-2-3-4-5-6.",
            "Ask the caller to call voicemail and choose a new PIN straight away.",
        ),
        fix=NONE,
        categories=(VOICEMAIL,),
        services=("Telephony",),
        cis=("Call manager",),
        used=(10, 11),
    ),
    KnownErrorSpec(
        title="PC shows 'No bootable device' after a power cut in the warehouse",
        symptoms="After the power went off in the warehouse my PC says no bootable device and won't start "
        "Windows. It's the shared one in goods-in.",
        cause="The shared workstations lose their BIOS boot order after a power cut because of a flat CMOS battery.",
        workaround=(
            "Ask the caller to restart and press F12 when the Dell logo appears.",
            "Choose Windows Boot Manager from the list.",
            "Log a call for Workplace Support to replace the CMOS battery.",
        ),
        fix=PLANNED,
        categories=(WONT_START,),
        cis=("ws-rtm-1045", "ws-rtm-1044"),
        draft=True,
    ),
    KnownErrorSpec(
        title="Meeting room bookings are declined automatically",
        symptoms="I booked the meeting room on the 2nd floor in Outlook and got an email that it was declined, "
        "but the room is empty on that day.",
        cause="Room mailboxes decline meetings longer than four hours or more than 90 days ahead.",
        workaround=(
            "Ask the caller to shorten the booking or split it into two meetings.",
            "For longer events, Facilities can book the room by hand.",
        ),
        fix=NONE,
        categories=(SHARED_MAILBOX,),
        services=("E-mail",),
        cis=("Exchange mailbox servers",),
        draft=True,
    ),
]
