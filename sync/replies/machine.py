"""The words of machines: auto-replies and delivery failures, by body and subject. Pure data.

``sync.replies.understanding`` checks headers first, then these; see ``sync.replies.rules``
for how the patterns are written and folded.
"""

from __future__ import annotations

from sync.replies.rules import phrases

# Words only a machine writes: these win over anything else the text says.
AUTO_BODY = phrases(
    r"\b(?:automatic|automated|auto)[- ]?(?:reply|response|message|generated|responder|acknowledge?ment|notification)\b",  # noqa: E501
    r"\b(?:aim|try) to (?:reply|respond) within\b|\bwill (?:reply|respond) within \d+ (?:hours|working days|business days)\b",  # noqa: E501
    r"تم استلام (?:بريدكم|رسالتكم|طلبكم|ايميلكم)(?: [^\s]+){0,3} (?:و)?سيتم (?:الرد|التواصل)",
    r"\bautomatically (?:generated|sent)\b|\bautoreply\b|\bthis is an automated\b|\bdo not reply to this (?:e-?mail|message)\b",  # noqa: E501
    r"\b(?:a )?ticket (?:has been |was )?(?:created|opened|number)\b",
    r"\byour (?:request|message|e-?mail|enquiry|ticket)\b.{0,20}\bhas been (?:received|logged|created)\b|\bhas been forwarded to the (?:relevant|appropriate|concerned) (?:department|team|person)\b|\b(?:e-?mails?|messages?) (?:will not|won'?t) be (?:read|answered|monitored)\b",  # noqa: E501
    r"\bرد (?:تلقايي|الي)\b|\bرساله (?:اليه|تلقاييه)\b|\bيرجي عدم الرد\b",
    r"\b(?:mailbox|inbox|e-?mail box|e-?mail address|e-?mail account|address|account)\b (?:is )?(?:not|no longer|un)(?: being)? ?(?:monitored|attended|checked|read|in use|active)\b|\bunattended\b|\bunmonitored\b",  # noqa: E501
    r"\b(?:we have|we've) received your (?:e-?mail|message|enquiry|request)\b.{0,80}\b(?:respond|reply|get back)\b|\byour (?:reference|ticket|case) (?:number |no\.? )?is\b",  # noqa: E501
    r"\bلا (?:يتم |نقوم ب)(?:ال)?رد علي (?:ال)?(?:رسايل|ايميلات|بريد)",
    r"\bغير مراقب|\bلا (?:تتم|يتم) (?:مراقبته|مراقبه|متابعته|متابعه)|\bغير متابع",
    r"\bno-?reply (?:address|e-?mail|mailbox)\b|\b(?:e-?mails?|messages?) (?:sent )?to this (?:address|mailbox|inbox) (?:are|is) (?:not|no longer) (?:monitored|read|checked)",  # noqa: E501
)
# Helpdesk and queue notices (waiting times, ticket numbers, "do not resend"), both languages.
AUTO_BODY_MORE = phrases(
    r"\bhigh volumes? of (?:e-?mails|enquiries|requests|queries)\b|\bresponses? may take\b|\bappreciate your patience\b",  # noqa: E501
    r"\bsystem[- ]generated\b|\bplease do not reply\b|\breceipt acknowledged\b|\bget back to you within\b|\byour ticket\s*(?::|#|no)",  # noqa: E501
    r"\bقد يستغرق الرد\b|\bعدم اعاده ارسال\b|\bتم انشاء (?:طلبك|طلبكم|تذكره)\b|\bرقم (?:ال)?(?:تذكره|حاله)\b|\bمولده (?:اليا|تلقاييا)\b|\bلا يستقبل (?:ال)?ردود\b",  # noqa: E501
    r"\bتم استلام (?:بريدك|بريدكم|رسالتك|رسالتكم|طلبك|طلبكم|ايميلك|ايميلكم)\b.{0,120}\b(?:سيتم|سيتواصل|سيقوم|وسيتم|وسيتواصل)",  # noqa: E501
    # bots, helpdesks and public bodies: thanks for writing, a request number, sent by a machine
    r"\bthank(?:s| you) for (?:writing to|contacting|reaching out to|emailing)\b.{0,120}\b(?:get back to you|respond|reply|be in touch)\b|\bwas delivered to the following recipient",  # noqa: E501
    r"\bتم استلام (?:طلبكم|طلبك|رسالتكم|رسالتك|بريدكم|بريدك) رقم\b|\b(?:وتوجيهه|وتحويله|تم توجيهه|تم تحويله) (?:الي|لل)(?:اداره|قسم|جهه)",  # noqa: E501
    r"\bمرسل(?:ه)? اليا\b|\bتم تسجيل (?:طلبك|طلبكم|رسالتك|رسالتكم)\b|\bلن يتم الرد\b|\bتم فتح (?:تذكره|طلب|بلاغ)\b|\bتذكره دعم\b",  # noqa: E501
    # case and reference numbers given, answers promised within working hours, both languages
    r"\byour (?:case|ticket|request|query|enquiry)\b(?: [^\s]+){0,3} (?:has been|was|is) (?:created|logged|opened|registered|raised)\b|\b(?:has been|was) assigned (?:a )?(?:reference|ref|ticket|case|request)\b|\b(?:will|shall) revert within\b|\baims? to respond within\b",  # noqa: E501
    r"\bتم (?:استلام|تسجيل) (?:[^\s]+ )?برقم\b|\b(?:لقد )?(?:استلمنا|وصلتنا|تلقينا|تم استلام) (?:رسالتكم|رسالتك|بريدكم|بريدك|ايميلكم|ايميلك|استفساركم|استفسارك)\b.{0,40}\b(?:وسيتم|سيتم|وسنرد|سنرد|سنقوم|وسنقوم|وسنتواصل|سنتواصل)|\b(?:و)?(?:سنرد|سيتم الرد)\b.{0,30}\bخلال (?:ساعات|اوقات|يوم|يومي|\d+ (?:ايام|ساعه|ساعات)|ال)?(?: ال)?(?:عمل|دوام)",  # noqa: E501
    r"\bnotifications silenced\b|\bdo not disturb\b|\b(?:شكرا|نشكرك|نشكركم) (?:علي |ل)(?:تواصلك|تواصلكم|رسالتك|رسالتكم)\b.{0,120}\b(?:سنقوم|سيتم|سنرد|سنعاود|سيتواصل|سنتواصل)",  # noqa: E501
)
# Words of someone away: a person may write them too ("I'm out today, but we paid"),
# so they count only when nothing else is asked.
AWAY_BODY = phrases(
    r"\bno longer with (?:the|our) (?:company|organi[sz]ation|firm)\b",
    r"^(?:auto(?:matic)? reply:? )?out of (?:the )?office\b|\bunable to (?:respond|reply)\b|\bout of the country\b|\b(?:i'm|i am) on (?:a )?break\b",  # noqa: E501
    r"\b(?:i am|i'm|am|i will be|i'll be|currently|presently) (?:currently |now )?(?:out of (?:the )?office|away from (?:the |my )?(?:office|desk)|on (?:annual |sick |maternity |paternity |parental )?leave|on vacation|on holiday|travell?ing)",  # noqa: E501
    r"\blimited access to (?:my )?e-?mail\b|\bwill (?:respond|reply) (?:to your (?:e-?mail|message) )?(?:on|upon|when) (?:my )?return",  # noqa: E501
    r"\b(?:i am|i'm|i will be|i'll be) away (?:until|till|from)\b|\bno access to (?:my )?e-?mail\b|\bi no longer work (?:at|for|with)\b",  # noqa: E501
    r"(?<!كنت )(?<!كنا )\b(?:انا )?(?:حاليا )?خارج المكتب\b|\b(?:انا|حاليا) (?:حاليا )?في اجازه",
    r"^غير متواجد(?:ه)? (?:حاليا|الان)\b|\b(?:فور|عند) عودتي\b|\bخارج (?:اوقات|ساعات) (?:ال)?(?:دوام|عمل)\b",  # noqa: E501
    r"\b(?:outside|out of) (?:our |office |normal |business |working )+hours\b",
)
BOUNCE_BODY = phrases(
    r"\bdelivery (?:has )?failed\b|\bcould ?n'?t be delivered\b|\bcould not be delivered\b",
    r"\bwas ?n'?t delivered\b|\bwas not delivered\b|\bundeliverable\b|\baddress not found\b",
    r"\bdelivery to the following recipients? failed\b|\bfailed permanently\b|\bmessage not delivered\b|\b(?:account|address) (?:that )?you tried to reach does not exist\b",  # noqa: E501
    r"\buser unknown\b|\bmailbox (?:is )?(?:unavailable|not found|full|does not exist)\b",
    r"\bpermanent error\b|\bdelivery status notification\b|\bmail delivery (?:failed|subsystem|system)\b",  # noqa: E501
    r"\bتعذر تسليم\b|\bفشل (?:ال)?تسليم\b|\bلم يتم تسليم\b",
    r"\bلم يتم (?:ال)?تسليم|\bتاخر (?:ال)?تسليم|\bتعذر (?:الوصول|العثور)|\bرسالتك لم تصل\b|\bصندوق بريد المستلم\b|\bتم تسليم رسالتك\b",  # noqa: E501
    r"\bhas been blocked\b|\bclassified as (?:bulk|spam)\b",
    r"\bتاخير (?:ال)?تسليم\b|\bسيستمر الخادم\b",
)
AUTO_SUBJECT = phrases(
    r"\b(?:automatic|auto)[- ]?(?:reply|response)\b|\bautoreply\b|\bout of (?:the )?office\b|\booo\b",  # noqa: E501
    r"\b(?:away from (?:the )?office|on leave|vacation reply|holiday reply)\b",
    r"^(?:read|read receipt|delivery receipt|delivered|تمت القراءه|مقروء|تم التسليم)\s*:",
    r"رد (?:تلقايي|الي)|خارج المكتب|في اجازه",
)
BOUNCE_SUBJECT = phrases(
    r"\bundeliverable\b|\bdelivery status notification\b|\bmail delivery failed\b",
    r"\breturned mail\b|\bfailure notice\b|\bdelivery (?:failure|failed|has failed)\b",
    r"\bundelivered mail\b|فشل (?:ال)?تسليم|تعذر (?:ال)?تسليم",
)
