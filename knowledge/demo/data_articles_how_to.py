"""How-to articles of the knowledge-base demo: desk procedures, step by step (see ``knowledge.demo``)."""

from __future__ import annotations

from knowledge.choices import ArticleKind, ArticleStatus
from knowledge.demo.data import ArticleSpec, markdown

HOW_TO = ArticleKind.HOW_TO
DRAFT = ArticleStatus.DRAFT

ARTICLES_HOW_TO: list[ArticleSpec] = [
    ArticleSpec(
        "Reset a caller's password",
        HOW_TO,
        ("Access & accounts", "Password & lockout"),
        markdown("""
            ## Before you start

            Check the caller's identity first ([identity checks](https://intranet.kestrel-logistics.example/it/identity-checks)).
            Never reset a password for someone calling on behalf of a colleague.

            ## Steps

            1. Open **Active Directory Users and Computers** on the jump host `vm-jump-01`.
            2. Find the caller by username, right-click and choose **Reset Password**.
            3. Type a temporary password of the form `Kestrel-` followed by six random digits.
            4. Tick **User must change password at next logon** and **Unlock the user's account**.
            5. Read the temporary password to the caller; never e-mail it.
            6. If the caller works from home, walk them through the VPN steps in
               [Password expired while working from home](https://intranet.kestrel-logistics.example/kb/password-home).

            ## Afterwards

            Tell the caller to update the password on their phone's mail app, or the account will lock again.
        """),
        services=("Identity and single sign-on",),
        age_days=400,
    ),
    ArticleSpec(
        "Unlock an account in Active Directory",
        HOW_TO,
        ("Access & accounts", "Password & lockout", "Account locked"),
        markdown("""
            An account locks for 30 minutes after five wrong passwords. Callers rarely want to wait.

            1. Verify the caller's identity.
            2. On `vm-jump-01`, open **Active Directory Users and Computers**.
            3. Open the account, tab **Account**, tick **Unlock account** and click **OK**.
            4. Ask the caller to sign in within five minutes.

            If the account locks again within the hour, something still uses the old password. Common sources:

            | Source | What to tell the caller |
            |---|---|
            | Mail app on a phone | Update or remove the account on the phone |
            | VPN client 6.1 | Clear **Saved credentials** in the VPN client |
            | Mapped drive with stored password | Remove it in **Credential Manager** |

            Still locking: pass to **Identity & Access** and ask for the lockout source.
        """),
        services=("Identity and single sign-on",),
        age_days=380,
    ),
    ArticleSpec(
        "Register the authenticator app on a new phone",
        HOW_TO,
        ("Access & accounts", "Multi-factor authentication"),
        markdown("""
            ## Identity check

            Call the caller back on the number in the staff directory. Do not use a number the caller gives you.

            ## Steps

            1. Open the MFA console at `https://mfa.kestrel-logistics.example/admin`.
            2. Search the caller, open **Devices** and remove the old phone.
            3. Choose **Send registration link**; the caller receives it by e-mail on the laptop.
            4. Ask the caller to install the authenticator app from the phone's app store.
            5. In the app, tap **Add account** and scan the QR code on the laptop screen.
            6. Stay on the line while the caller approves a test sign-in.

            Callers without a company phone may use their own; SMS is the fallback but does not work everywhere
            abroad.
        """),
        services=("Identity and single sign-on",),
        author="support",
        age_days=300,
    ),
    ArticleSpec(
        "Set up the VPN client on a laptop",
        HOW_TO,
        ("Network", "VPN & remote access"),
        markdown("""
            Every managed laptop gets the VPN client from **Endpoint management**. Use these steps when it is missing
            or broken.

            1. Ask the caller to open **Company Portal** from the Start menu.
            2. Search for `Kestrel VPN` and click **Install** (version 6.1 today, 6.2 after the roll-out).
            3. After installation, start **Kestrel VPN** and enter the portal address `vpn.kestrel-logistics.example`.
            4. Sign in with username and password, then approve the MFA prompt.
            5. The status shows **Connected** and a 10.x address.

            ## Checks

            - `nslookup intranet.kestrel-logistics.example` should answer with a 10.x address.
            - The S: drive should open without a password prompt.

            If the client does not appear in Company Portal, the laptop is not in the right group: pass to
            **Workplace Support**.
        """),
        services=("VPN / remote access",),
        author="support",
        age_days=350,
    ),
    ArticleSpec(
        "Map the department drives by hand",
        HOW_TO,
        ("Access & accounts", "Permissions", "File share permissions"),
        markdown("""
            The drives normally appear at sign-in. When a drive is missing:

            1. Ask the caller to open **File Explorer** and click **This PC**.
            2. Choose **Map network drive** in the toolbar (or the **…** menu).
            3. Pick the letter and path from the
               [drive letters reference](https://intranet.kestrel-logistics.example/kb/drive-letters),
               for example `S:` and `\\\\corp\\shares\\finance`.
            4. Tick **Reconnect at sign-in** and click **Finish**.

            If Windows says *access denied*, the caller is not in the role group of that share; see the known error
            about access after the reorganisation before passing it on.
        """),
        services=("File shares",),
        age_days=330,
    ),
    ArticleSpec(
        "Add a printer from the print server",
        HOW_TO,
        ("Printing", "Print queues & drivers"),
        markdown("""
            Always add printers from the print server: the driver then comes with it and survives Windows updates.

            1. Ask the caller to press **Windows + R** and type the print server of their site:

               | Site | Print server |
               |---|---|
               | Amsterdam | `\\\\print-ams` |
               | Rotterdam | `\\\\print-rtm` |
               | Eindhoven | `\\\\print-ein` |

            2. Double-click the queue of their floor (for example `prn-ams-main-f2`), or `FollowMe`.
            3. Wait until the queue window opens; the printer is now installed.
            4. Print a test page from **Printer > Properties**.

            Do not download drivers from the vendor's website.
        """),
        services=("Printing",),
        author="support",
        age_days=290,
    ),
    ArticleSpec(
        "Clear a paper jam on the HP Color LaserJet M555",
        HOW_TO,
        ("Hardware", "Printer", "Paper jam"),
        markdown("""
            The printer screen shows where the jam is. Talk the caller through it:

            1. **Tray 2**: pull the tray out fully, remove any crumpled sheet, push it back.
            2. **Right door**: open it with the lever, pull the sheet *towards* you with both hands.
            3. **Duplex unit** (behind the right door): lift the green flap and remove the sheet.
            4. **Output bin**: pull the sheet straight out.
            5. Close all doors; the printer resumes the job.

            Jams on double-sided jobs happen more often with recycled paper; see the known error about tray 2.
            If the printer jams with every job, log an incident for **Workplace Support** with the printer name from the
            label on the front, such as `prn-rtm-office-f0`.
        """),
        services=("Printing",),
        age_days=240,
    ),
    ArticleSpec(
        "Grant access to a shared mailbox",
        HOW_TO,
        ("E-mail & collaboration", "Shared mailboxes & calendars"),
        markdown("""
            Only the owner of a shared mailbox can approve access. The owners are listed on the
            [mailbox page](https://intranet.kestrel-logistics.example/it/shared-mailboxes).

            1. Log a request with the mailbox address and the caller's name.
            2. Assign it to **Servers & Storage** with the owner's approval attached.
            3. Servers & Storage grants **Full Access** and, if asked, **Send As**.
            4. The mailbox appears in Outlook by itself within an hour; tell the caller to restart Outlook.

            For customer service, the mailboxes `service@` and `claims@` are approved by the team lead in Rotterdam.
        """),
        services=("E-mail",),
        age_days=260,
    ),
    ArticleSpec(
        "Free up space in a full mailbox",
        HOW_TO,
        ("E-mail & collaboration", "Mailbox & quota"),
        markdown("""
            Mailboxes stop sending at 5 GB. To free space quickly:

            1. Right-click **Deleted Items** > **Empty Folder**. Do the same for **Junk Email**.
            2. In the search box type `size:>10MB`, choose **All Mailboxes**, and delete or save the large attachments.
            3. Check **Sent Items** for old mailings with attachments.

            ## Online archive

            Every mailbox has an online archive of 50 GB. Messages older than two years move there automatically. To
            move more now, drag folders to **Online Archive** in the folder list.

            Outlook shows the size under **File > Tools > Mailbox Cleanup**.
        """),
        services=("E-mail",),
        age_days=410,
    ),
    ArticleSpec(
        "Rebuild an Outlook profile",
        HOW_TO,
        ("E-mail & collaboration", "Outlook"),
        markdown("""
            Use this when Outlook crashes at start, keeps asking for a password, or shows folders that are not there.

            1. Close Outlook.
            2. Open **Control Panel > Mail (Microsoft Outlook) > Show Profiles**.
            3. Click **Add**, name the profile `Kestrel2`, and let it configure itself with the caller's address.
            4. Choose **Always use this profile** and pick `Kestrel2`.
            5. Start Outlook and wait until it says **Up to date**; this can take 20 minutes for large mailboxes.
            6. Once all is well, remove the old profile.

            Signatures are kept in `%APPDATA%\\Microsoft\\Signatures` and survive the rebuild.
        """),
        services=("E-mail",),
        author="support",
        age_days=200,
    ),
    ArticleSpec(
        "Handle a reported phishing e-mail",
        HOW_TO,
        ("E-mail & collaboration", "Spam & phishing"),
        markdown("""
            ## Ask these questions

            1. Did you click the link or open the attachment?
            2. Did you type your password or approve an MFA prompt afterwards?

            ## If the answer to either is yes

            1. Reset the password now and sign out all sessions.
            2. Classify the incident as **Security** with priority 2.
            3. Assign it to **Identity & Access** with the time of the click.

            ## In every case

            - Ask the caller to use **Report message** in Outlook, then delete the e-mail.
            - Never forward the phishing e-mail to the desk: it spreads the link.
        """),
        services=("E-mail", "Identity and single sign-on"),
        age_days=150,
    ),
    ArticleSpec(
        "Move a desk phone to another desk",
        HOW_TO,
        ("Telephony", "Desk phone"),
        markdown("""
            Phones only work on network ports that are enabled for voice.

            1. Ask the caller for the socket label at the new desk, such as `2.A-14`.
            2. Log a request for **Network**: *enable voice on socket 2.A-14, Amsterdam main building*.
            3. Until it is done, forward the extension to the caller's mobile: on the phone press **Forward all** and
               enter the number.
            4. When Network confirms, the caller plugs the phone in; it shows the extension within two minutes.

            Conference phones in meeting rooms are never moved.
        """),
        services=("Telephony",),
        age_days=220,
    ),
    ArticleSpec(
        "Log out a stuck contact centre agent",
        HOW_TO,
        ("Telephony", "Contact centre"),
        markdown("""
            When an agent sees *agent already logged in*, the old session is still active on `vm-cc-01`.

            1. Open the supervisor page at `https://cc.kestrel-logistics.example/supervisor`.
            2. Go to **Agents > Logged in** and filter on the agent's name.
            3. Choose **Force logout** and confirm.
            4. Ask the agent to log in again in the agent client.

            The team leads in Rotterdam can do this themselves; the desk does it outside their hours.

            If the agent still cannot log in after a forced logout, check that their desk phone shows the extension: an
            unregistered phone also blocks the agent sign-in (see *Move a desk phone to another desk*).
        """),
        services=("Telephony",),
        author="support",
        age_days=170,
    ),
    ArticleSpec(
        "Recover a BitLocker recovery key",
        HOW_TO,
        ("Software", "Windows"),
        markdown("""
            1. Verify the caller's identity with two questions.
            2. Ask for the **Key ID** shown on the blue screen (the first eight characters are enough).
            3. In Endpoint management, open **Devices**, search the laptop name (for example `lt-ams-1014`) and choose
               **Recovery keys**.
            4. Check that the key ID matches, then read the 48-digit key out in groups of six.
            5. After sign-in, ask the caller to restart once.

            A key that has been read out is rotated automatically after the next restart. Never send a key by e-mail or
            chat.
        """),
        services=(),
        age_days=190,
    ),
    ArticleSpec(
        "Restore a deleted file from a network share",
        HOW_TO,
        ("Access & accounts", "Permissions", "File share permissions"),
        markdown("""
            Shares keep snapshots every four hours for 14 days, so callers can often restore a file themselves.

            1. In **File Explorer**, open the folder where the file was.
            2. Right-click an empty spot > **Properties** > **Previous Versions**.
            3. Pick a version from before the deletion and click **Open** to check it.
            4. Copy the file back into the folder.

            Older than 14 days: log a request for **Servers & Storage** with the full path and the date; restores from
            backup take one working day.
        """),
        services=("File shares",),
        age_days=280,
    ),
    ArticleSpec(
        "Prepare a laptop for a new starter",
        HOW_TO,
        ("Access & accounts", "New starters & leavers"),
        markdown("""
            1. Take a spare laptop from the cabinet at the IT service desk in Eindhoven; the spares are listed in the
               CMDB with status **Planned**.
            2. Set its status to **Live** and assign it to the new starter's contact.
            3. Switch it on, connect a network cable and sign in with your own account; Endpoint management installs the
               standard software in about 40 minutes.
            4. Sign out. Do not sign in as the new starter.
            5. Put the laptop, charger and the welcome letter in the box with the starter's name.

            The account is enabled at 08:00 on the start date.
        """),
        author="support",
        age_days=160,
    ),
    ArticleSpec(
        "Register a staff badge for follow-me printing",
        HOW_TO,
        ("Printing", "Follow-me printing"),
        markdown("""
            1. At any printer, tap the badge on the reader.
            2. When the screen says *card not registered*, choose **Register card**.
            3. Sign in with username and the printing PIN (the last four digits of the employee number).
            4. Tap the badge again; the screen shows the caller's name.

            From now on, jobs sent to the `FollowMe` queue can be released at any printer of any site for 24 hours.

            ## If it fails

            A badge that shows *card already in use* still belongs to a former owner: ask Facilities to reissue it.
            Lost badges are blocked by Facilities, not by IT.
        """),
        services=("Printing",),
        age_days=230,
    ),
    ArticleSpec(
        "Schedule a large ERP report overnight",
        HOW_TO,
        ("Business applications", "ERP", "Reports"),
        markdown("""
            Reports longer than ten minutes time out in the browser. Schedule them instead:

            1. Open the report in the ERP and fill in the selection as usual.
            2. Instead of **Run**, choose **Schedule > Run tonight**.
            3. Pick the output: **Excel** or **PDF**.
            4. The report runs after 22:00 and arrives by e-mail before 06:00.

            Scheduled reports are listed under **Reports > My schedules**, where they can be cancelled. During the
            last three working days of the month, schedules start after 01:00 because of the month-end batch.
        """),
        services=("ERP",),
        author="support",
        age_days=180,
    ),
    ArticleSpec(
        "Check and resume an EDI partner",
        HOW_TO,
        ("Business applications", "ERP", "EDI"),
        markdown("""
            1. Open the EDI gateway console at `https://edi.kestrel-logistics.example`.
            2. Go to **Partners** and search the partner name from the incident.
            3. Look at the status:
               - **Active**: messages flow; check **Messages** for errors on single messages.
               - **Suspended**: choose **Resume**. Queued messages go out within five minutes.
               - **Disabled**: do not enable it; pass the incident to **Business Applications**.
            4. Refresh **Messages** and check that the oldest waiting message has gone.

            Add the partner name and the number of queued messages to the incident.
        """),
        services=("ERP",),
        author="support",
        age_days=90,
    ),
    ArticleSpec(
        "Reassign a handheld scanner to a picker",
        HOW_TO,
        ("Hardware", "Scanner & handheld"),
        markdown("""
            1. Take a charged handheld from the cradle in the shift office.
            2. On its screen choose **Settings > Device > Assign** and scan the picker's badge.
            3. The picker signs in to warehouse management with their own username.
            4. The faulty handheld goes in the returns box with a note: the number on its back and the fault.

            Spare batteries are in the cabinet next to the cradle; used batteries go in the red box.

            Handhelds are numbered `HH-01` to `HH-38` on their back. Always note the number in the incident, so that
            Workplace Support can see when the same handheld fails again.
        """),
        services=("ERP",),
        status=DRAFT,
        author="support",
        age_days=8,
    ),
    ArticleSpec(
        "Request ERP access for a new role",
        HOW_TO,
        ("Access & accounts", "Permissions", "Application roles"),
        markdown("""
            ERP roles are granted per company code and need the manager's approval.

            1. Log a request with the caller's username, the role and the company code (`NL01` Amsterdam, `NL02`
               Rotterdam, `NL03` Eindhoven).
            2. Attach the manager's approval (an e-mail is enough).
            3. Assign the request to **Business Applications**.

            Roles that combine ordering and paying (such as *Purchasing* with *Accounts payable*) also need Finance's
            approval and take longer.

            For holiday cover, a role can be granted with an end date: put the date in the request. Roles of leavers
            are removed automatically on their last working day.
        """),
        services=("ERP",),
        status=DRAFT,
        age_days=5,
    ),
    ArticleSpec(
        "Call out the on-call engineers for a major incident",
        HOW_TO,
        ("General", "Service desk procedures"),
        markdown("""
            Call out when a critical service is down for several callers, or one VIP cannot work and no workaround
            exists.

            1. Raise the incident to **priority 1**.
            2. Phone the on-call number of the owner group (see
               [support groups](https://intranet.kestrel-logistics.example/kb/support-groups)).
            3. If nobody answers within 10 minutes, call the group's manager.
            4. Post a notice on the intranet front page: what is down, since when, next update in 30 minutes.
            5. Update the incident every 30 minutes, even when there is no news.

            When service is restored, ask the owner group to open a problem.
        """),
        services=("ERP", "Web shop", "E-mail"),
        age_days=500,
    ),
]
