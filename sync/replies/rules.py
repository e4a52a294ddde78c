r"""The phrases that reveal what a reply says, in English and Arabic. Pure data.

Matching them (negations, "no" answers, future words) is ``sync.replies.matching``.

Patterns are written in ordinary spelling and folded with ``sync.replies.text.fold`` when
compiled, so they match text normalised the same way (hamza and teh marbuta forms,
Arabic-Indic digits and case do not matter). They must not use upper-case escapes
(``\S``, ``\W``, ``\D``, ``\B``), which folding would change.

Each intent has two groups of patterns:

- ``fixed``: the phrase says it on its own, negation included ("never received the
  invoice", "لم تصلنا الفاتورة");
- ``checked``: the phrase can be cancelled by a negation just before it in the same
  clause ("we have not paid", "ما دفعنا"), by a question answered "no" right after it
  ("paid? no"), or — for claims of payment — by a future or conditional word in the
  clause ("it will be paid", "if we paid").
"""

from __future__ import annotations

import re

from sync.replies import rules_ar, rules_en
from sync.replies import rules_buyers as buyers
from sync.replies import rules_said as said
from sync.replies.matching import NEG as _NEG
from sync.replies.matching import Lexicon as Lexicon
from sync.replies.matching import find as find
from sync.replies.matching import find_kind as find_kind
from sync.replies.matching import phrases as phrases
from sync.replies.matching import search as search

_compile = phrases

_INVOICE = r"(?:invoice|invoices|inv|bill|attachment|attached file|pdf|copy|statement|document|it|anything|one)\b"  # noqa: E501
_DET = r"(?:(?:the|this|that|your|an|any|a|our|said|such an?) )?"
_GET = r"(?:got|get|getting|gotten|receive|received|receiving|recieve|recieved|recived|seen|see|find|found|open|locate|located|had|have|access)"  # noqa: E501
# What a customer may ask to have sent again that is not the invoice.
_NOT_INVOICE = r"(?! (?:the |your |a |us |me |our |last )*(?:statement|receipt|contract|quote|quotation|po|purchase order|remittance|bank details|details|certificate|form|w-?9|w-?8|licence|license|delivery note|reminder|reminders)\b)"  # noqa: E501
_NOT_COPY = r"(?! of (?:the |our |your |this |last )*(?:[^\s]+ ){0,2}(?:statement|receipt|contract|quote|quotation|po|purchase order|remittance|licence|license|certificate)\b)"  # noqa: E501
_AR_INVOICE = r"(?:ال)?(?:فاتوره|فواتير|فاتورتكم|نسخه|مرفق|ملف)"
_AR_GOODS = r"(?:ال)?(?:بضاعه|بضايع|طلبيه|طلبيات|شحنه|اغراض|منتجات|منتج|اجهزه|قطع|خدمه|مواد)"
_AR_SEND = (
    r"(?:ارسل|ارسلي|ارسلو|ارسلوا|ترسل|ترسلي|ترسلو|ترسلوا|ترسلون|تبعت|تبعتي|تبعتو|تبعتوا"
    r"|ابعت|ابعتي|ابعتو|ابعتوا|ابعث|ابعثو|ابعثوا|تبعث|تبعثو|تبعثون|تعيد|تعيدو|تعيدون|اعيدو|اعيدوا|ترسلولي"
    r"|تبعتولي|تبعتلي|ابعتلي|ابعتيلي|ابعثلي|ارسللي|ارسلي لي|دز|دزو|دزوا|تدز|تدزون)"
    r"(?:ها|وها|يها|لنا|لي|ه|و)?"
)
_AR_DAYS = r"(?:ال)?(?:احد|اثنين|اتنين|ثلاثاء|ثلاثا|اربعاء|اربعا|خميس|جمعه|سبت)"
_AR_MONEY = r"(?:ال)?(?:مبلغ|فلوس|مصاري|قيمه|مستحق|دفعه|حواله|باقي|مبالغ)"
# "حولته لهم" forwards a message to someone else; "حولته لكم" transfers money to you.
_AR_TRANSFER = (
    r"(?:حول(?:ت|نا)(?:ها|لكم|لك|له|ناها|هالكم|ه)\b(?! (?:لهم|لها|للفرع|للقسم|للاداره))|حولناها"
    rf"|حول(?:ت|نا) (?:لكم |لك )?{_AR_MONEY})"
)


NOT_RECEIVED = Lexicon(
    fixed=_compile(
        rf"\b{_NEG} (?:been )?(?:yet |ever |even |actually |really )?{_GET} {_DET}(?:original |actual )?{_INVOICE}",  # noqa: E501
        rf"\b(?:another|a new|a fresh|a second) copy\b{_NOT_COPY}|\b(?:in|to|into) (?:our |my |the )?(?:junk|spam)\b",  # noqa: E501
        r"\b(?:invoice|bill|attachment|pdf|file|it)\b.{0,30}\b(?:never|not|n't|nt|wo ?n'?t|does ?n'?t|did ?n'?t|has ?n'?t|is ?n'?t|was ?n'?t|were ?n'?t)\s*(?:yet |ever )?(?:arrived|arrive|received|come|came|reached|attached|included|open|opening|load|work)",  # noqa: E501
        r"\b(?:don'?t|do not) think (?:we|i) (?:ever |have |'ve )*(?:got|received|had)",
        r"\bno (?:invoice|attachment|pdf|copy)\b.{0,20}\b(?:was|is|were)?\s*(?:attached|included|received|arrived|in (?:the|your) (?:e-?mail|message))",  # noqa: E501
        r"\b(?:nothing|no invoice|no attachment|no pdf) (?:was |is )?(?:attached|included)",
        r"\bno (?:invoice|attachment)\b",
        r"\b(?:attachment|invoice|pdf) (?:is |was |appears to be |seems to be |seem to be )?missing|\bmissing (?:the )?(?:invoice|attachment)",  # noqa: E501
        r"\bno record of (?:receiving |getting |having )?(?:(?:this|the|that|your|an|any)? ?(?:invoice|bill)|it\b|this\b|that\b)|\bre-?submit\b",  # noqa: E501
        rf"\b(?:please|pls|plz|kindly|can you|could you|would you|can u|could u|pl) (?:re-?send{_NOT_INVOICE}|send (?:it|this|the invoice|over|again)|send (?:us|me) (?:the|a|your) (?:invoice|copy{_NOT_COPY}|bill)|send (?:a |the )?copy|forward (?:a|the) (?:copy|invoice)|email (?:it|the invoice))",  # noqa: E501
        rf"\bre-?send\b{_NOT_INVOICE}",
        r"\bsend (?:it |this |the invoice |us the invoice |me the invoice )?(?:over )?again\b",
        r"\bsend (?:us|me) (?:the|a|your) (?:invoice|copy of the invoice)\b",
        r"\b(?:invoice|it) (?:has |have )?not (?:yet )?(?:been )?received|^not received\b|\bnot the invoice\b",  # noqa: E501
        r"\bnothing (?:here|has arrived|arrived|came through|in (?:my|our) inbox)\b|\bdid you (?:send|email) (?:it|the invoice)\b|\bnothing from you\b|\bwhere is the invoice\b",  # noqa: E501
        # lost or unreadable on the customer's side; asked for again in other words
        r"\b(?:invoices?|bill|it|copy|email)\b.{0,25}\b(?:(?:got |been |was |were |is )?(?:lost|misplaced|deleted|went missing)|(?:is )?not available with us|(?:can'?t|cannot|could ?n'?t) be found)\b",  # noqa: E501
        r"\b(?:lost|misplaced|deleted|mislaid) (?:the |your |this )?(?:invoice|bill|copy|email)\b",
        rf"{_AR_INVOICE} (?:ما|مش|مو|لم|ليست|غير) ?(?:كانت |تكن |كان )?(?:مرفقه|مرفق)\b",
        r"\b(?:بدنا|نبي|نبغي|نحتاج|محتاجين|عايزين|ابي|ابغي) (?:ال)?(?:فاتوره|نسخه(?! (?:من |عن )?(?:ال)?(?:عقد|كشف|عرض|ايصال|شهاده|رخصه|سجل|امر)))|\b(?:ما ?في|مافي|مفيش|ما فيه|ما فيها|مش فيه|مش فيها) (?:اي )?(?:ال)?(?:مرفق|مرفقات|فاتوره)",  # noqa: E501
        r"(?:راحت|وصلت|انرسلت|ارسلت|اترسلت) (?:علي|ع|الي) (?:ال)?(?:ايميل|بريد|عنوان) (?:ال)?قديم|\bwent to (?:my|our|the) old (?:e-?mail|address|inbox)\b",  # noqa: E501
        r"\b(?:invoice|it)\b.{0,20}\b(?:does ?n'?t|does not|did ?n'?t|did not) (?:appear|show up|show)\b|\b(?:missing (?:a |the )?pages?|pages? (?:is |are )?missing)\b|(?:ناقصه|ناقص) (?:ال)?(?:صفحه|صفحات|مرفق)",  # noqa: E501
        r"\bsearched (?:my|our|the) (?:inbox|mailbox|system|records|e-?mails?)\b|\bsend (?:all |the |our )?(?:open |outstanding )?invoices again\b|\b(?:have|has|found) (?:nothing|no record) (?:under|with|for) (?:that|this|the) (?:number|reference|invoice)|\bwhich invoice (?:is this|do you mean|are you (?:referring|talking))",  # noqa: E501
        r"\b(?:اي|ايش|وش|شو|انهي) (?:ال)?فاتوره (?:تقصدون|تقصد|تقصدوا|هذي|هاي|دي)|(?:عندنا|لدينا) (?:شي|شيء|اي شي|حاجه) (?:ب|بهذا |بهال|بال)رقم",  # noqa: E501
        r"\b(?:pdf|attachment|file|link|document)\b.{0,40}\b(?:blank|empty|corrupt(?:ed)?|file not found|not found|expired|not working|won'?t open|does ?n'?t open|broken)\b",  # noqa: E501
        rf"\bre-?share\b|\b(?:can|could|may) (?:i|we) (?:please )?(?:get|have) (?:a |another )?copy\b{_NOT_COPY}|\b(?:share|send|email|forward) (?:us |me )?(?:a |the )?(?:soft|fresh|new|another|pdf) copy\b",  # noqa: E501
        r"\b(?:send|pop|shoot|email|forward|share) (?:it|this|that|the invoice) (?:over |across |through )?(?:again|once more)\b",  # noqa: E501
        r"(?<![^\sوف])(?:ضاعت|ضايعه|ضاع|مفقوده|انمسح|اتمسح|انحذف|اتحذف|محذوف)",
        rf"{_AR_INVOICE} (?:مو|مش|مب|غير|ليست|ليس) ?(?:موجود|موجوده|متوفر|متوفره)|(?:لا|ما) (?:تتوفر|يتوفر|توجد|يوجد) (?:لدينا|عندنا) (?:اي )?(?:نسخه|فاتوره|صوره)",  # noqa: E501
        r"\bتزويد(?:نا|ي) ب(?:نسخه|صوره)|\b(?:ما|مو|مش|مب|ليس) ?(?:عندنا|لدينا|عندي|معانا|معنا) (?:ال)?(?:فاتوره|نسخه)|(?:عطونا|عطني|اعطونا|اعطني|عطوني) (?:[^\s]+ )?(?:نسخه|صوره|الفاتوره)|\b(?:لم|ما) يتم (?:تزويدنا|ارسال|استلام|توصيل)|(?:ممكن|ابي|نبي|ابغي|نبغي|عايز|عايزين|بدي|بدنا|محتاجين) (?:[^\s]+ )?(?:نسخه|صوره) (?:من |عن )?(?:ال)?فاتوره",  # noqa: E501
        r"(?<!اول )(?<!حال)(?<!بمجرد )\b[وف]?(?:لم|لما|ما|لسه ما|لسا ما|للحين ما|بعد ما)\s?(?:ت|ي)?(?:صل|تصل|يصل|وصل|توصل|يوصل|جا|جت|جات|اجت|اجانا|جتنا|جاتنا|نستلم|استلم|نتسلم|اتسلم|تسلم|يتم استلام|نتلق|تردنا|يردنا|تجينا|شفنا|نشوف|لقينا|لقيت|نلاقي|الاقي|ياتنا|ياتني|يانا|ياني|يتنا)[^\s]*+(?! (?:اي )?(?:رد|ردكم|جواب|طلب|امر|اتصال|مكالمه|عرض|تحويل|حواله|فلوس|مبلغ|المبلغ|الفلوس|الرابع|الباقي|من العميل|من الزبون|دفعه|راتب|الرواتب|العميل)| ان\b| اننا\b| انه\b| انكم\b)",  # noqa: E501
        r"\b(?:موصلتش|موصلتناش|موصلناش|موصلنيش|موصلش|مجتليش|مجاتش|مجتش|مجاليش|مجاش|مستلمناش|ماوصلتش|ماوصلت|ماوصلنا|ماوصلتنا|ماجتنا|ماجاتنا|ماوصلني)",  # noqa: E501
        rf"{_AR_INVOICE} (?:مش|مو|ليست|غير) (?:واصل|واصله|موجود|موجوده|عندنا|عندي|لدينا)",
        rf"(?:ما ?في|مافيش|مفيش|مفيه|لا يوجد|لا توجد|بدون|ما فيه) (?:اي )?{_AR_INVOICE}",
        rf"{_AR_INVOICE} (?:المرفق )?(?:ما|مش|مو|لا|لم) ?(?:يفتح|بيفتح|ينفتح|يشتغل|تفتح|بتفتح|فتح)",
        rf"{_AR_INVOICE} (?:المرفق )?(?:تالف|تالفه|خربان|معطوب)",
        rf"\bوين {_AR_INVOICE}|\bفين {_AR_INVOICE}",
        r"\b(?:اعاده|اعادة) (?:ارسال|ارسالها|ارساله|بعت|بعث)",
        r"\bارسال(?:ها|ه)? (?:مره|مرة) (?:اخري|ثانيه|تانيه)",
        rf"\b{_AR_SEND}\b(?! (?:رقم |لنا |لي |your |ur )?(?:ال)?(?:ايبان|iban|حساب|بيانات|تفاصيل|كشف|عرض|عقد|شهاده))(?! (?:ال)?فواتير ورقيه).{{0,25}}(?:مره ثانيه|مره تانيه|مره اخري|تاني|ثاني|من جديد|{_AR_INVOICE})",  # noqa: E501
        rf"(?:نرجو|يرجي|الرجاء|ارجو|ممكن|يا ريت|ياريت|لو سمحت|من فضلك|رجاء) (?:\w+ )?(?:تزويدنا|تزويدي|ارسال|ارسالها|ارسال نسخه) (?:ب)?{_AR_INVOICE}",  # noqa: E501
        r"\bتزويدنا بنسخه\b",
    ),
    checked=_compile(r"$^"),
)

ALREADY_PAID = Lexicon(
    fixed=_compile(
        r"\b(?:remittance(?! (?:details|address|e-?mail|to|once|when|after|as soon)\b)|proof of payment|payment (?:confirmation|receipt|proof|reference(?! (?:i|we|should|to use))|advice)|(?:transfer|bank|wire|payment) (?:receipt|slip|confirmation|copy))\b",  # noqa: E501
        r"\b(?:have|did) you (?:not )?(?:received|receive|got|get|seen) (?:our|the|my) (?:payment|transfer|money|cheque|check)",  # noqa: E501
        r"\bcrossed (?:with|in the post)\b",
        r"\b(?:هل )?(?:وصلكم|استلمتم|وصلتكم|جاكم|جاتكم) (?:ال)?(?:تحويل|حواله|دفعه|مبلغ|شيك|فلوس)",
        rf"\b(?:(?:ايصال|اشعار|اثبات|صوره|اسكرين|سند|اسكرين شوت) (?:ال)?(?:تحويل|دفع|سداد|حواله|ايداع))|مرفق (?:ال)?(?:ايصال|اشعار|حواله|صوره الحواله)|{_AR_MONEY} (?:انحول|اتحول|نزل|انرسل|اترسل|تحول|وصلكم|انودع)",  # noqa: E501
    ),
    checked=_compile(
        r"(?<!be )(?<!get )(?<!gets )(?<!getting )(?<!being )(?<!what we )(?<!what i )(?<!it )(?<!this )\b(?:paid|settled|payed)\b(?! nothing)(?! (?:by|before|within|in) (?:next|the end|end|tomorrow|friday|monday))(?! on (?:next|the end|end|tomorrow))",  # noqa: E501
        r"\b(?:we|i|we've|i've|we have|i have|accounts|finance) (?:have |has |'ve |already |just |also |now )*(?:transferred|wired|remitted|cleared|sent (?:the |you |over )?(?:the )?(?:payment|money|funds|amount|transfer|cheque)|made (?:the |a |full )?payment)",  # noqa: E501
        r"\b(?:payment|transfer|wire|remittance) (?:has |had |was |is )?(?:already |just )?(?:been )?(?:made|did|initiated|instructed|sent|done|completed|processed|submitted|transferred|released|issued|cleared|went out)",  # noqa: E501
        r"\b(?:money|payment|funds|transfer|cheque|check) (?:went out|left|went through|was sent|were sent|has been sent|is on its way|was posted|was mailed|has been posted|was issued)",  # noqa: E501
        r"\b(?:cheque|check) (?:was |has been )?(?:sent|posted|mailed|issued|dispatched)",
        r"(?<!be )\bsettled\b|\bpaid in full\b",
        r"\b(?:it|this|that)\b (?:went out|was sent|left) (?:from |via |through )?(?:our|the) (?:bank|account)",  # noqa: E501
        r"\b(?:was|were|been) (?:cleared|settled) (?:\w+ )?(?:ago|last|yesterday|on)\b|\balready (?:sorted|done|cleared|taken care of)\b|\btransferred (?:it |the (?:money|amount|payment) )?(?:yesterday|today|this morning|last|on)\b",  # noqa: E501
        r"\bsorted (?:on|last|yesterday|this morning)\b",
        r"\b(?:cheque|check|payment)\b (?:is|was) in the (?:post|mail)\b",
        rf"\bخالصين\b|\bمخلصين (?:ال)?(?:فاتوره|مبلغ)|{_AR_MONEY} (?:واصلكم|واصل لكم)\b",
        r"\b(?:payment|transfer|التحويل|الدفع|السداد|المبلغ|الدفعه) تم\b(?! (?:جدول|اعتماد|تاجيل|تحديد))",  # noqa: E501
        r"\b(?:amount|money|payment|funds|invoice|bill) (?:was |has been |is |had been )?(?:already )?(?:transferred|remitted|wired|deposited)\b",  # noqa: E501
        r"\b(?:deposited|credited|lodged) (?:in|into|to) your (?:account|bank)",
        r"\bتم (?:ارسال|ايداع|تحويل) (?:ال)?(?:دفعه|مبلغ|حواله|فلوس)|\b(?:payment|money|transfer|cheque)(?:'s| has| is) gone\b|\b(?:sent|posted|mailed|couriered) (?:you )?(?:a |the )?(?:cheque|check)\b",  # noqa: E501
        rf"\bحول(?:ت|نا) \d|{_AR_MONEY} (?:طلعت|طلع|نزلت|خرجت) من (?:حسابنا|البنك|حسابي)",
        r"\bقمنا (?:ب)?(?:دفع|سداد|تسديد|تحويل|ايداع)|\bسوينا (?:ال)?(?:تحويل|دفع|سداد)",
        r"\bتم (?:ال)?(?:تسويه|سداد|دفع|تحويل|ايداع|تسديد|الدفع|السداد)(?! (?:ال)?(?:ايميل|بريد|رسال|طلب|موضوع|مكالمه|استفسار)| (?:لل|الي |ل)(?:قسم|اداره|مدير|محاسب|مسوول|موظف|زميل))",  # noqa: E501
        r"\b[وف]?(?:قد |لقد )?(?:دفعنا|دفعناها|دفعناه|دفعتها|دفعته|دفعت|سددنا|سددناها|سددتها|سددت|ودعنا|اودعنا|خلصنا (?:الدفع|السداد|الفاتوره))\b",  # noqa: E501
        rf"\b[وف]?{_AR_TRANSFER}",
        r"\b(?:دافع|دافعها|دافعتها|مسددها|مدفوعه|مدفوع|مسدده|مسدد|دافعين|دافعينها|مسددين|اتدفعت|اتدفع|اندفعت|اتسددت|انسددت)\b",
    ),
    guarded=True,
)

DISPUTE = Lexicon(
    fixed=_compile(
        r"\b(?:amount|price|prices|total|invoice|bill|figure|rate|charge|quantity|quantities|vat|tax|address|number|hours|sum)\b.{0,25}?\b(?:is |was |are |seems |looks |seem |look )?(?:wrong|incorrect|not correct|inaccurate|too high|overstated|not right|wrongly)",  # noqa: E501
        r"\bwrong (?:amount|price|total|invoice|quantity|rate|figure|company|customer|vat|tax)\b",  # noqa: E501
        r"\b(?:mistake|error|discrepancy|discrepancies|problem|issue)s? (?:on|in|with) (?:the |this |your |our )?(?:invoice|bill|amount|price|total)",  # noqa: E501
        r"\bthere(?:'s| is| are| was)? (?:a |an )?(?:mistake|error|discrepancy)",
        r"\bovercharg\w*|\bdouble[- ]charg\w*|\bcharged (?:us )?twice|\bduplicate (?:invoice|charge)",  # noqa: E501
        r"\b(?:dispute|disputing|disputed|contest|contesting)\b(?! with (?:the |our |a )?(?:bank|landlord|insurer|client|customer|supplier))",  # noqa: E501
        r"\b(?:never|not|did ?n'?t|did not) (?:order|ordered|request|requested|authori[sz]e|authori[sz]ed|agree to|agreed to|sign|signed)\b(?! up\b)",  # noqa: E501
        rf"\b{_NEG} (?:yet |ever |even )?{_GET} (?:the |any |our |your |all )?(?:goods|items|products|order|delivery|parts|shipment|service)\b",  # noqa: E501
        r"\bnever did business\b|\bnot (?:our|my) (?:invoice|order)\b|\b(?:not|is ?n'?t|are ?n'?t) ours\b|\bnot for us\b",  # noqa: E501
        r"\b(?:goods|items|products|order|delivery|parts|stock|shipment|boxes)\b.{0,30}?\b(?:damaged|faulty|broken|defective|missing|short|incomplete|returned|never (?:arrived|came|delivered))",  # noqa: E501
        r"\b(?:returned|sent back) (?:[^\s]+ ){0,4}?(?:goods|items|products|order|them|it|units|parts|boxes|chairs)\b|\barrived (?:damaged|broken|scratched|faulty|defective)\b|\b(?:issue|send|raise) (?:us )?(?:a )?credit\b",  # noqa: E501  # noqa: E501
        r"\b(?:work|service|job|project|installation)\b.{0,25}?\b(?:not|never|was ?n'?t|is ?n'?t|has ?n'?t been|was not|is not) (?:yet )?(?:completed|complete|done|finished|delivered|provided|performed)",  # noqa: E501
        r"\bcredit note\b|\brefund\b",
        r"\b(?:won'?t|will not|refuse to|not going to|shan'?t) (?:be )?pay(?:ing)?\b",
        r"\bnothing (?:is )?(?:owed|due|outstanding)|\b(?:don'?t|do not|dont) owe\b|\bnot liable\b",
        r"\b(?:cancell?ed|canceled) (?:the |our |this |that )?(?:order|contract|subscription|service|invoice|booking|job|work|project|visit|appointment)|\b(?:invoice|order) (?:was |has been |is )?(?:cancell?ed|canceled|void)",  # noqa: E501
        r"\b(?:price|prices|amount|rates?|figures?|quantities|total) (?:on this invoice |on the invoice )?(?:don'?t|do not|does ?n'?t|does not) (?:match|agree|correspond)",  # noqa: E501
        r"\b(?:discount|credit) (?:we agreed |agreed )?(?:is ?n'?t|is not|was ?n'?t|not) (?:applied|included|deducted)",  # noqa: E501
        r"\bwe agreed? (?:on )?(?:a |an )?(?:\d|lower|different|discount|price|rate|£|\$)",
        r"\bthe quote (?:said|was|says)\b|\bnot what we ordered\b",
        r"\bfor (?:a )?(?:different|another|the wrong) (?:company|customer|client|account)\b(?!.{0,80}\bsend (?:us )?(?:ours|our (?:invoice|one)|the (?:right|correct)))|\bnot (?:belong|belongs|related) to us\b|\bdoes ?n'?t belong to us\b|\b(?:corrected|revised|amended) (?:vat |tax )?invoice\b|\b(?:was ?n'?t|was not|were not|were ?n'?t|not) (?:approved|authori[sz]ed|agreed) by us\b|\bتحفظ(?:نا)? علي\b|(?:لم|ما) (?:يتم )?(?:الاتفاق|نتفق) (?:عليه|عليها)",  # noqa: E501
        r"\b(?:issue|send|provide) (?:a |an |us a )?(?:corrected|revised|amended|new) invoice|\b(?:correct|amend|fix) (?:the |this |your )?(?:invoice|amount|price)|\bplease fix\b",  # noqa: E501
        r"\b(?:should be|should only be) (?:for )?(?:\d|£|\$)",
        r"(?:المبلغ|السعر|الاسعار|الفاتوره|الكميه|القيمه|الحساب|المجموع|الضريبه|الفاتوره دي|هالفاتوره)\s(?:[^\s]+\s){0,3}?(?:غير صحيح|غير صحيحه|غلط|خطا|خاطي|خاطيه|مش صح|مش صحيح|مش صحيحه|مو صحيح|مو صح|مش مظبوط|مش مضبوط|مو مضبوط|مبالغ فيه|اعلي من)(?! (?:عندكم|لديكم|من عندكم|بالنظام|في النظام|في نظامكم|بنظامكم))",  # noqa: E501
        r"(?:فيه|فيها|في|يوجد|هناك|وجود) (?:[^\s]+ )?(?:خطا|غلط|اخطاء|غلطه)(?! (?:عندكم|لديكم|من عندكم|بالنظام|في النظام|في نظامكم|بنظامكم))",  # noqa: E501
        r"\b(?:ما|لم|مش|ولا) ?(?:طلبنا|نطلب|طلبناش|طالبين|طلبناها)|\bمطلبناش",
        rf"{_AR_GOODS}\b.{{0,30}}?(?:تالف|تالفه|خربان|خربانه|مكسور|مكسوره|ناقص|ناقصه|معيوب|معيوبه|متاخره|رجعناها|ارجعناها|ما وصلت|لم تصل|مش كامله|غير مطابق|غير كامل|مو كامله)",  # noqa: E501
        rf"(?:رجعنا|ارجعنا|تم ارجاع|تم استرجاع|رجعناها|ارجعناها|رجعناهم) (?:لكم )?{_AR_GOODS}?",
        rf"\b(?:لم|ما|لسه ما)\s?(?:نستلم|استلمنا|تصل|تصلنا|وصلت|وصلتنا|وصلنا|يصل|يصلنا|وصل|توصل|جت|جتنا|جاتنا)[^\s]* (?:[^\s]+ )?{_AR_GOODS}",  # noqa: E501
        rf"{_AR_GOODS} (?:لم|ما|مش|لسه ما) ?(?:تقدم|تكتمل|تتم|تنفذ|اكتملت|خلصت|تصل|وصلت|تخلص|يكتمل|يخلص|ينته|انتهي|اكتمل|خلص)",  # noqa: E501
        r"(?:الشغل|العمل|المشروع|التركيب|الصيانه|التوريد|التسليم|الخدمه) (?:ما|لم|مش|لسه ما) ?(?:خلص|يكتمل|يخلص|ينته|انتهي|اكتمل|تم)",  # noqa: E501
        r"\bلغينا\b|(?:ما|مش|مو) (?:نشوف|شايفين) (?:ان|اننا)\b|(?:الخدمه|الانترنت|الكهرباء|النظام|الجهاز) (?:[^\s]+ )?(?:انقطعت|انقطع|وقفت|تعطلت|تعطل|معطله)",  # noqa: E501
        r"\b(?:نعترض|اعتراض|معترضين|نرفض|نحتج|ملغيه|ملغي|الغينا|الغاء الطلب|الغاء الطلبيه|ليست لنا|مو لنا|مش لنا|مش بتاعتنا|مب لنا|اشعار دائن|اشعار خصم|مرتجع)",  # noqa: E501
        r"\b[وف]?(?:لن|مش|ما|مو|مب) ?(?:راح |رح |ح |ه |هن|حن)?(?:نقوم بال)?(?:ندفع|نسدد|دفع|سداد|تسديد)\b|\bمش هندفع|\bنعتذر عن (?:ال)?(?:سداد|دفع)",  # noqa: E501
        r"\bليش تطالب|\bالمتفق عليه|\bمتفقين (?:علي|ع)|\bاتفقنا (?:علي|ع)",
        r"\b(?:تصحيح|تعديل) (?:ال)?(?:فاتوره|مبلغ)|\bفاتوره (?:معدله|مصححه|جديده)",
        r"(?<!دفعناها )(?<!دفعنا )(?<!دفعناه )(?<!سددنا )(?<!سددناها )(?<!الفاتوره )\bمرتين\b",
        # the work or the service, not the invoice, is what is wrong
        r"\b(?:quality|workmanship|finish|colou?rs?|service|work)\b.{0,30}?\b(?:poor|bad|unacceptable|terrible|substandard|below standard|not acceptable)\b|\b(?:poor|bad|substandard|unacceptable) (?:quality|workmanship|service|work)\b",  # noqa: E501
        r"\bbelow (?:what we|the standard|standard|expectations|par)\b|\bnot (?:been |quite )?as (?:described|advertised|agreed|quoted|promised|specified|ordered)\b|\bnever worked\b",  # noqa: E501
        r"\b(?:did ?n'?t|does ?n'?t|did not|does not|do not|don'?t) (?:meet|match|comply with|conform to) (?:the |our )?(?:agreed |required )?(?:spec|specs|specification|specifications|requirements|standard|scope|brief)\b",  # noqa: E501
        r"\bcomplaint\b|\bcomplain(?:ing)? about\b|\bشكوي\b",
        r"\b(?:bill|invoice|amount|price|prices|charge|charges|rate)\b (?:is |was |are |seems |looks )?(?:way )?(?:too much|excessive|too expensive)|\bhigher than (?:our |the |what )?(?:quoted|agreed|quote|expected|we agreed)",  # noqa: E501
        r"\b(?:please|pls|plz|kindly) (?:correct|amend|revise)\b",
        r"\b(?:cracked|damaged|broken|faulty|defective|scratched|dented) on (?:arrival|delivery)\b|\bpay (?:only )?for the (?:good|working|undamaged) (?:ones|items|units)\b|\b(?:only pay|pay only) for\b",  # noqa: E501
        r"\b(?:addressed|made out|issued) to\b.{0,60}\bnot\b|\bcredit balance\b|\bnothing is due\b",  # noqa: E501
        r"\bexpect (?:a )?(?:discount|compensation|refund|credit)\b|\bdeduct(?:ing|ed)? (?:the |our )?(?:cost|repair|amount|damage|difference)\b|\b(?:only|never) agreed to\b",  # noqa: E501
        r"\bshould (?:have been|be) (?:billed|invoiced|addressed|charged) to\b(?! (?:our |the )?new (?:office|address))|\bnever (?:activated|installed|used|delivered|provided|supplied)\b|\bdifference between\b",  # noqa: E501
        r"\bnot (?:releasing|making|approving|processing) (?:the |any )?payment\b.{0,40}\buntil\b|\buntil\b.{0,60}\bnot (?:releasing|making|approving|processing|paying)\b",  # noqa: E501
        r"\b[وف]?نطالب ب(?:خصم|تعويض)|\bتعويض\b|تخص (?:شركه|جهه) (?:اخري|ثانيه|تانيه)|(?:ليس|ليست|مو|مش) (?:لنا|لشركتنا|شركتنا)\b|\b(?:ما|مو|مش|لا) ?(?:تخصنا|يخصنا|تخص شركتنا)\b|ناقص(?:ها|ه)? (?:ال)?خصم|\bفرق\b.{0,20}\bبين\b",  # noqa: E501
        r"(?:لين|حتي|لحد ما|الا لما|غير لما|قبل ما) (?:ت|ي)?(?:صلحون|صلحوا|تصلح|يتصلح|صلح|تصليح|اصلاح|بدلون|تبدلون|تبديل|تستبدلون|ترجعون|تكملون|يكتمل)",  # noqa: E501
        r"\bdeduct(?:ed)? (?:it |the credit |this )?from (?:this|the|your) invoice\b|\bwe have a credit\b|\bdiscussing (?:the )?(?:scope|invoice|charges|amount)\b|\bhold off\b(?! (?:until|till|til|on (?:escalat\w*|chasing|the reminders|sending))\b)|(?:ما|مش|مو|لم) ?(?:عجبتنا|عجبنا|عجبني|عجبتني|تعجبنا)",  # noqa: E501
        r"\bwas (?:cancell?ed|canceled)\b|\bnever (?:started|began|happened|took place)\b|\bnot the ones? (?:we|i) (?:approved|ordered|agreed|requested|chose)\b",  # noqa: E501
        r"(?:الفني|المهندس|العامل|الفريق|المندوب|الفنيين) (?:ما|لم|مش) ?(?:حضر|جا|جه|يجي|يحضر|اجا|وصل)",  # noqa: E501
        r"\bwhy (?:was|were|am|are|is|have|has) (?:i |we |us )?(?:been |being )?(?:charged|billed)\b|\b(?:meant|supposed) to be (?:free|included|covered|waived)\b",  # noqa: E501
        r"\b(?:amount|price|total|invoice|figure)s?\b.{0,20}\bdifferent from (?:the |our |what )?(?:quote|quotation|agreed|order|po|contract)|مختلف عن (?:عرض السعر|العرض|المتفق|الاتفاق)|\b(?:invoice|bill|charge)\b (?:is |was )?(?:not valid|invalid)\b",  # noqa: E501
        r"\b(?:don'?t|do not|did not|didn'?t) recogni[sz]e (?:this|the|that|these)\b(?! (?:company|sender|name|e-?mail|number|person)\b)|\bshould be (?:reduced|lower|less|adjusted)\b|\bmissed (?:[^\s]+ ){0,3}(?:visits|sessions|appointments|deliveries)\b",  # noqa: E501
        r"(?:اقل|اكثر) من (?:ال)?(?:مفوتر|مفوتره|فاتوره|مطلوب|متفق)\b|\breject(?:ed|s)? (?:your |the |this |our )?invoice\b|\b(?:po|purchase order) (?:was |is )?missing\b|\b(?:addressed|made out|issued) to (?:our |the )?(?:old|wrong|previous) (?:company|name|address|entity)\b",  # noqa: E501
        r"(?:اكثر|اعلي|ازيد) من (?:عرض السعر|العرض|المتفق|الاتفاق|السعر المتفق)",
        r"\bnot (?:the )?(?:price|amount|rate|fee|figure)s? (?:that )?(?:we|you) (?:agreed|quoted|discussed)|\bnot what (?:we|you) (?:agreed|quoted)",  # noqa: E501
        r"\bnot fit for purpose\b|\bhad to (?:hire|get|pay) (?:someone|somebody|another)\b|\bnothing like (?:what|the)\b|\bwithh[eo]ld\w*\b(?! tax)",  # noqa: E501
        r"\b(?:not (?:satisfied|happy)|dissatisfied|unsatisfied|unhappy) with\b|\b(?:مش|مو|مب|غير|ما) ?(?:راضي|راضيين|راضين|مبسوطين|مقتنعين)\b",  # noqa: E501
        r"\b(?:invoice|bill|amount|price|الفاتوره|المبلغ|السعر)\b (?:[^\s]+ )?(?:مو|مش|مب|غير|ليست|ليس) (?:صحيح|صحيحه|صح|مظبوط|مضبوط)|\b(?:quantity|quantities|qty)\b (?:is|are|was|were) (?:less|short|lower|wrong)",  # noqa: E501
        r"\b(?:we were|we've been|we have been|we are|we're|but were|and were|you(?:'ve)?|you have) (?:being )?(?:charged|billed|invoiced) (?:us )?(?:for|twice|\d|a |an )",  # noqa: E501
        r"\bonly (?:received|got) \d+|\b(?:never|not) in (?:the |our )?(?:contract|agreement|quote)\b|\b(?:covered|included) (?:under|by|in) (?:the )?(?:warranty|guarantee|contract|maintenance)|\bsupposed to be (?:free|included|covered)",  # noqa: E501
        r"\b(?:الفاتوره )?(?:مكرره|مكرر|متكرره)\b",  # noqa: E501
        r"\b(?:never|did ?n'?t|did not|not) (?:place|placed|make|made) (?:this |that |the |an |any )?(?:order|booking|purchase)\b",  # noqa: E501
        r"\b(?:لا|ما|مش|مو|لن) ?(?:نوافق|موافقين|نقبل|نعتمد) (?:علي )?(?:هذه |هذي |هاي )?(?:ال)?فاتوره|\bفروقات\b|\bفرق في\b",  # noqa: E501
        r"\b(?:goods|items|products|work|delivery|order|materials?)\b.{0,20}\b(?:do not|don'?t|does not|does ?n'?t|did not|did ?n'?t) (?:match|meet|correspond)\b",  # noqa: E501
        r"\bonly (?:delivered|did|completed|supplied|sent|provided|installed)\b|\bhalf of what (?:was|we) (?:agreed|ordered)\b",  # noqa: E501
        r"\b(?:raised|have|opened|logged) (?:a |an )?(?:query|queries|concern|concerns)\b|\bquery (?:on|about|regarding) (?:this|the|your) invoice\b",  # noqa: E501
        r"\b(?:مش|مو|مب|ليس|ما|ليست) (?:كانت |كان |كانوا )?(?:زي|مثل|كما|متل|حسب) (?:ما )?(?:الوصف|المواصفات|اتفقنا|المتفق|تم الاتفاق|طلبنا|المطلوب|العرض|عرض السعر|الاتفاق|العقد|الطلب)",  # noqa: E501
        r"\b(?:won'?t|will not|cannot|can'?t|can not|unable to|not able to) (?:be )?(?:approv\w*|accept\w*|sign\w* off|sign\w*) (?:off )?(?:on )?(?:the |this |your )?(?:invoice|bill|it|payment)\b|\b(?:invoice|bill)\b (?:will|can|would) not be (?:approved|accepted)",  # noqa: E501
        r"\b(?:holding|withholding|hold(?:ing)? back) (?:the |our )?payment\b|\bnot (?:paying|settling) (?:for|the|this|that)\b|\b(?:nobody|no one|no-one) (?:came|turned up|showed up|attended)\b|\bonly (?:be )?paying for\b",  # noqa: E501
        r"\b(?:not|n'?t|never) (?:be )?(?:paying|settling)\b.{0,40}\buntil\b",
        r"\b(?:had to be|has to be|needs to be|must be) (?:redone|re-?done|fixed|repaired|replaced)\b|\bhalf[- ]finished\b|\bunfinished\b",  # noqa: E501
        r"\b(?:never|did ?n'?t|did not) (?:show(?:ed)? up|turn(?:ed)? up|attend(?:ed)?)\b",
        r"\b(?:hours|amount|invoice|figures?|charges?)\b.{0,20}\b(?:do not|don'?t|does not|does ?n'?t) reflect\b",  # noqa: E501
        r"\bwe (?:were|had been) (?:quoted|told|promised)\b|\bwaived\b",
        r"\b(?:rest|balance|remainder|fee|charge)\b (?:is |was )?(?:wrong|incorrect|not correct)\b",
        r"(?:الشغل|العمل|الخدمه|التركيب|الجوده|الشغله|التنفيذ)\s(?:[^\s]+\s){0,2}?(?:سيء|سيي|سييه|وحش|مش كويس|رديء|ردي|رديه|مو زين|مب زين|ما خلص|مش مظبوط|ناقص|مو كامل|مش كامل)",  # noqa: E501
        r"(?:يتعاد|تتعاد|لازم يتصلح|اعاده العمل)|\b(?:لا|ما|مش|مو) ?(?:تطابق|يطابق|تتطابق|مطابق|مطابقه)\b",  # noqa: E501
        r"\b(?:لن|ما|مش|مو|لا)\b(?: [^\s]+){0,2} (?:نعتمد|اعتماد|يعتمد|قبول|نقبل) (?:ال)?(?:فاتوره|دفع|سداد)",  # noqa: E501
        r"\b[وف]?استلمنا \d+ (?:[^\s]+ )?(?:فقط|بس)\b",
    ),
    checked=_compile(r"$^"),
)

PAYMENT_PLAN = Lexicon(
    fixed=_compile(
        r"\binstal+ments?\b|\binstallment\w*|\bpayment (?:plan|arrangement|schedule)\b|\brepayment plan\b",  # noqa: E501
        r"\bpay(?:ing)? (?:it |this |the (?:invoice|amount|balance) )?in (?:\d+|two|three|four|five|six|parts|stages|chunks|part)\b(?! ?(?:days?|weeks?|months?|working|business))",  # noqa: E501
        r"\bsplit(?:ting)? (?:it|this|the payment|the amount|the invoice|the bill|the balance|into|in)\b|\bspread (?:it|this|the payment|the cost|the amount|the balance)",  # noqa: E501
        r"\bpart(?:ial)?[- ]payments?\b|\bpart of (?:it|the amount|the balance|the invoice) (?:now|today)",  # noqa: E501
        r"\b(?:half|some|\d+%?|£\s?\d+|\$\s?\d+) (?:of it )?(?:now|today|this month|this week) and (?:the )?(?:rest|balance|remainder|remaining|other half|half|\w+ on|\d+%? (?:in|on|after|by|next))",  # noqa: E501
        r"\b(?:weekly|monthly|fortnightly) (?:payments|instal\w*|amounts)",
        r"(?:[$£]\s?)?\d[\d,.]*\s?(?:a|per|every|each) (?:month|week|fortnight)\b|\d+ (?:هالشهر|هذا الشهر|الحين|الان|دلوقتي|now|this month) (?:و ?|and )\d+|\b(?:a|per|every|each) (?:month|week) (?:until|till|for)\b|\bevery (?:month|week)\b|\b\d+ (?:on the \d{1,2}(?:st|nd|rd|th)? )?of each month\b",  # noqa: E501
        r"\b(?:two|three|four|2|3|4) (?:payments|parts|instalments)\b",
        r"\b(?:full amount|whole amount|the full balance|in full) (?:right )?now\b|\bcan'?t pay (?:it )?(?:all|in full)",  # noqa: E501
        r"\b(?:the rest|the remainder|the other half|(?:and|then) (?:the )?balance) (?:later|next|on|by|in|at)\b",  # noqa: E501
        # hardship: asking for time in parts, without the word "instalment"
        r"\bover the (?:next|coming) (?:few |couple of |\d+ |two |three |four |six )?months\b|\b(?:all|everything|it|this) at once\b",  # noqa: E501
        r"\b(?:two|2) halves\b|\bin halves\b|\bbreak (?:this|it|the amount|the payment) up\b|\blittle (?:by )?little\b|\bbit by bit\b",  # noqa: E501
        r"\bsmaller (?:weekly |monthly )?(?:amounts|payments|sums)\b|\bsomething every (?:week|month)\b",  # noqa: E501
        r"\bin one go\b|\bin (?:parts|stages|chunks)\b|\bover time\b|\b(?:tough|difficult|hard) (?:spot|time|situation|position)s? financially\b|\bfinancially (?:tough|difficult|hard|tight)\b",  # noqa: E501
        r"\bover (?:\d+|two|three|four|five|six|a few|several) (?:months|weeks)\b|\bfinancial(?:ly)? (?:difficult\w*|hardship|trouble|problems?)|\btough time financially\b|\bcash ?(?:flow )?(?:problems?|issues?|difficult\w*|crunch|shortage)",  # noqa: E501
        r"\b(?:نص|نصف)(?:ها|ه)? (?:الحين|الان|دلوقتي|هلا|هلق|هالشهر)\b|\bوالنص (?:الثاني|التاني|الباقي)\b|\b[وف]?(?:نجدول|تجدولون|تجدولوا)\w*|\b[وف]?(?:نقسم|نقسط|اقسم|نجزي)(?:ها|ه)\b|\bcome to (?:some|an) arrangement\b|\bgradually\b|\bpart now\b|(?:علي|ع) (?:كم|كذا|اكثر من) (?:دفعه|شهر|قسط|مره|مرات)|\bشوي شوي\b|\bشويه شويه\b|\bبالتدريج\b",  # noqa: E501
        r"(?<!تمت )(?<!تم )\b[وب]?(?:جدوله|جدولة)(?! (?:ال)?(?:دفعه|تحويل|صرف)\b)",
        r"\b[وف]?(?:تقسيط|اقساط|قسط|بالتقسيط|نقسط|اقسط|تقسط|(?<!مع )(?<!ضمن )دفعات|دفعتين|الدفعه الاولي|دفعه اولي|دفعه جزييه|سداد جزيي|دفع جزيي)",  # noqa: E501
        r"\b(?:نقسم|تقسيم|اقسم|قسم|نجزي|تجزيه)\w* (?:ال)?(?:مبلغ|دفع|فاتوره|سداد)",
        r"\b(?:جزء|نص|نصف|بعض|ربع) (?:من )?(?:ال)?(?:مبلغ|فاتوره|قيمه)",
        r"\b(?:و)?(?:الباقي|المتبقي|البقيه)\b",
        r"(?:مو|مش|ما|مب|غير) ?(?:قادرين|قادر|نقدر|نقدرش|بنقدر) (?:[^\s]+ )?(?:ندفع|نسدد|ادفع|اسدد)\w* (?:ال)?(?:مبلغ )?(?:كامل|كله|بالكامل|كاملا|مره وحده|دفعه وحده)",  # noqa: E501
        r"\bشهريا\b|\bاسبوعيا\b|\bكل (?:شهر|اسبوع|جمعه)\b|\bflexib\w+ (?:on|in|with|about) (?:how|when|the payment|payment|paying)|\bعلي (?:\d+|ثلاث|ثلاثه|اربع|اربعه|خمس|سته) (?:اشهر|شهور|دفعات)|\bعلي شهرين\b",  # noqa: E501
    ),
    checked=_compile(r"$^"),
)

PROMISE = Lexicon(
    fixed=_compile(
        r"\bpayment (?:is |has been |will be )?(?:scheduled|planned|booked|arranged|set|lined up) (?:for|on|in)\b",  # noqa: E501
        r"\b(?:next |our |the )payment run\b|\bpayment run\b",
        r"\bpayment (?:will|'ll|should|shall) (?:be )?(?:made|sent|processed|transferred|released|done|paid|go out|leave)\b",  # noqa: E501
        r"\bas soon as possible\b|\basap\b",
        # arrangements: a transfer scheduled, approved or booked; money that will arrive
        r"\b(?:transfer|payment|cheque|check|money|funds|it|remittance)\b(?:'s been |'s | is | has been | was | will be | are | )(?:now )?(?:scheduled|booked|approved|released|queued|set up|lined up|authori[sz]ed|planned) (?:for|on|in|to go)\b",  # noqa: E501
        r"\b(?:money|funds|payment|transfer|amount|cheque)\b (?:should|will|'ll|shall|is going to) (?:reach|be with|hit|land|arrive|be in|be credited|clear)\b",  # noqa: E501
        r"\b(?:released|approved|scheduled|booked|queued|cleared) (?:it |this |the invoice )?for payment\b|\b(?:pay|payment|finance|cheque) (?:run|cycle)\b",  # noqa: E501
        r"\b(?:payment|it) is (?:in|on) (?:our |the )?(?:system|queue|schedule|list|run) for\b",
        r"\bpayment (?:will|'ll|should|shall) (?:release|go|go through|reach you)\b|\b(?:it|this) (?:should|will|'ll) (?:reach|be with|hit|land in) (?:you|your)\b",  # noqa: E501
        r"\b(?:processing|arranging|preparing) (?:the |your |this )?(?:payment|transfer|cheque)\b",
        r"\b(?:payment|transfer|cheque|money) (?:is )?(?:going out|goes out|leaving|will go out)\b",
        r"(?:ان شاء الله|انشاء الله|انشالله|ان شاءالله|باذن الله) (?:خلال|بعد|يوم|بكره|بكرا|باجر|غدا|الاسبوع|نهايه|اخر|اول|بدايه)\b|\b(?:payment|transfer)\b (?:is )?(?:under|in) process(?:ing)?\b",  # noqa: E501
        r"\b(?:will|'ll) do (?:it |this |that )?(?:tomorrow|today|tonight|on|by|next|this)\b|(?:ما|مش|لن|مو) ?(?:راح |رح |ح |ه )?(?:نقدر|نستطيع|بنقدر|نقدرش|يمكننا) (?:ن)?(?:دفع|سدد|ندفع|نسدد|نحول)\w* (?:قبل|الا بعد|لين|لحد|حتي)",  # noqa: E501
        r"\b(?:السداد|الدفع|التحويل) (?:بعد|عند|فور) \b|\bwe pay (?:all )?(?:our )?suppliers\b|\b(?:will|'ll) (?:redo|resend|retry|repeat) (?:it|the transfer|the payment)\b|\b[وف]?(?:بنعيد|نعيد|راح نعيد|سنعيد|هنعيد) (?:ال)?(?:تحويل|دفع|سداد)",  # noqa: E501
        r"\bput (?:it|this|the payment) through (?:for|on)\b|\bon (?:my|our|the) list for\b|(?:نسويها|بنسويها|نخلصها|بنخلصها) (?:لكم )?(?:يوم |بكره|بكرا|باجر|الاحد|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|الاسبوع|نهايه|اخر|خلال)",  # noqa: E501
        r"\b(?:in|on) (?:the |our )?(?:queue|list|run|schedule|batch) for payment\b|\bpayment (?:typically |usually |normally )?follows\b|\b(?:in|through) (?:our |the )?approval (?:workflow|process|queue|cycle)\b|\b(?:\d+|a few|few|two|three|some) more (?:days|weeks)\b|\bmore time\b|\b(?:ناجل\w*|تاجلون|تاجلوا|تاجيل|اجلوها|اجلوا|تمهلونا|امهلونا|مهله|تمهلوني)\b|\b(?:تكون|يكون|بتكون|راح تكون|هتكون) عندكم\b|\b(?:extension|more time|extra time|grace period)\b (?:until|till|to|up to)\b|\b(?:تمديد|مهله) (?:ل|الي|حتي|لين|لحد)",  # noqa: E501
        r"\b(?:this|next) week'?s (?:batch|run|payments?|payment run|pay run)\b|(?:الدفعه|المبلغ|التحويل|الفلوس|الشيك) (?:طالعه|طالع|بتطلع|هتطلع|راح تطلع|جاهز|جاهزه)\b",  # noqa: E501
        r"\bget (?:it|this|that|the invoice) (?:paid|settled|processed|squared away)\b|\bpayments? (?:will )?resume\b|\bgive (?:us|me) (?:until|till|to)\b|(?:عطونا|اعطونا|امهلونا|خلونا) (?:لين|لحد|الي|حتي|لغايه)\b|\byou(?:'ll| will) see (?:it|the money|the payment|the funds)\b",  # noqa: E501
        r"\b(?:set|scheduled|booked|arranged|queued|lined up|put) (?:the |your |this )?(?:payment|transfer) (?:in )?(?:for|on)\b|\b(?:it|this|that)(?:'ll| will| should) be with you\b",  # noqa: E501
        r"\byou(?:'ll| will| should) (?:have|get|receive) (?:the |your )?(?:money|payment|funds|transfer|it)\b|\b(?:cheque|check|payment|money) is ready\b|\bcollect (?:it|the cheque|the check)\b",  # noqa: E501
        r"\b(?:payment|transfer)\b (?:is )?(?:due|expected|set|planned|scheduled) to (?:go out|be made|be sent|leave|clear)\b|\b(?:the )?(?:payment|transfer) date\s*(?::|is\b|as\b|will be\b)",  # noqa: E501
        r"\b(?:تمت|تم) جدوله (?:ال)?(?:دفعه|تحويل|سداد|صرف)|\b(?:بيتحول|هيتحول|سيتحول|يتحول|بتتحول|هتتحول|هيتدفع|بيتدفع|هيتسدد|بيتسدد|رح يتحول|راح يتحول)\b",  # noqa: E501
        r"\b(?:payment|transfer|the money|funds)\b (?:on|by) (?:next |this |coming )?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|the \d|\d|tomorrow|end)",  # noqa: E501
        r"\bexpect (?:the |our |your )?(?:funds|payment|money|transfer|remittance)\b|\bnext week'?s (?:payments|payment run|pay run)\b",  # noqa: E501
        r"(?:التحويل|الدفعه|الدفع|الصرف|السداد|المبلغ) (?:[^\s]+ )?(?:مجدول|مجدوله|مبرمج|مبرمجه|معتمد|معتمده)",  # noqa: E501
        r"\b[وف]?(?:ستصلكم|سيصلكم|سوف تصلكم|راح توصلكم|رح توصلكم|بتوصلكم|هتوصلكم|بيوصلكم|هيوصلكم|راح يوصلكم|رح يوصلكم|يوصلكم|يصلكم|توصلكم|تصلكم)\b",  # noqa: E501
        rf"(?:{_AR_MONEY}|الدفعه) (?:[^\s]+ )?[وف]?(?:هتنزل|راح تنزل|رح تنزل|بتنزل|ح تنزل|تنزل|هتوصل|راح توصل|رح توصل|بتوصل)|(?:يكون|تكون) {_AR_MONEY} عندكم",  # noqa: E501
        r"(?<!اخر )(?<!متي )\b[وف]?(?:ال)?موعد (?:ال)?(?:محدد |المحدد )?(?:لل|ال)?(?:تحويل|سداد|دفع)",  # noqa: E501
        rf"\b[وف]?(?:التحويل|الدفع|السداد|الدفعه) (?:راح يكون |رح يكون |بيكون |هيكون |سيكون )?(?:يوم|بتاريخ|نهايه|اخر|بكره|بكرا|باجر|غدا|الاسبوع|خلال|{_AR_DAYS})\b",  # noqa: E501
        r"\b(?:won'?t|will not|can'?t|cannot|unable to|not able to) (?:be able to )?pay (?:it |this |you )?(?:until|till|before)\b",  # noqa: E501
    ),
    checked=_compile(
        r"\b(?:transfer|payment|cheque|money|amount|funds|it)\b(?: [^\s]+){0,4}? (?:will|'ll|should|shall) (?:be )?(?:go|done|do|effected|made|sent|couriered|released|processed|credited|transferred|paid)\b",  # noqa: E501
        r"\b(?:will|'ll|wil|shall|going to|gonna|plan(?:ning)? to|intend(?:ing)? to|aim to|hope to|expect to|be able to|should|would like to)\b(?! (?:we|i|you)\b)(?: [^\s]+){0,4}? (?:pay|paid|settle|settled|transfer|transferred|remit|processed|process|clear|cleared|go out|make (?:the |a )?payment|send (?:the |a |you )?(?:payment|money|funds|transfer)|release (?:the )?payment|action (?:it|this|the payment)|sort (?:it|this) out|get (?:it|this) sorted|square (?:it |this )?up|send (?:it|this|that) (?:by|on|before|tomorrow|today))\b",  # noqa: E501
        r"\b(?:pay|paying|settle|settling|transfer) (?:it |this |you |the invoice |the balance |the amount )?(?:on|by|before|next|tomorrow|today|this|within|in \d|end)\b(?! (?:card|cheque|check|bank|cash|credit|debit|paypal|transfer|wire|link|time|way|method)\b)",  # noqa: E501
        r"\b[وف]?(?:س|سوف )(?:ن|ا|ي|ت)?(?:دفع|سدد|قوم بال(?:سداد|دفع|تحويل)|قوم بتحويل(?! (?:ال)?(?:رساله|رسالتكم|رسالتك|ايميل|ايميلكم|بريد|طلب|موضوع))|قوم بسداد|قوم بدفع|تم (?:ال)?(?:سداد|دفع|تحويل|صرف))",  # noqa: E501
        rf"\b[وف]?(?:س|سوف )(?:ن|ا)?(?:حول(?:ها|لكم|كم|ه)\b|حول {_AR_MONEY})",
        r"\b[وف]?(?:راح|رح|ح|رايحين|حن|هن|ه|ح)\s?(?:ن|ا|ي)?(?:دفع|سدد)\w*",
        r"\b[وف]?(?:بدفع|بحول|بسدد)(?:لكم|لك|ك|كم|ها|ه)\b",
        rf"\b[وف]?(?:راح|رح|ح|حن|هن|ه|بن|سن|من|ن)\s?(?:ا)?حول(?:ها|لكم|كم|ه)?\b(?!(?: لكم)? (?:ال)?(?:طلب|امر|ايميل|رساله|ملف|موضوع))(?: [^\s]+)?(?: {_AR_MONEY})?",  # noqa: E501
        r"\b[وف]?(?:بن|من)(?:دفع|سدد)\w*",
        r"(?:ان شاء الله|انشاء الله|ان شاءالله|انشالله|باذن الله|بإذن الله)(?: [^\s]+){0,3}? (?:ن|ا)?(?:سدد|دفع|حول|السداد|الدفع|التحويل|تحويل|سداد|دفع)\w*",  # noqa: E501
        r"(?:نسدد|ندفع|نحول|ادفع|اسدد|احول)\w*\s(?:[^\s]+\s){0,3}?(?:يوم|بكره|بكرا|غدا|باجر|الاسبوع|الشهر|خلال|بتاريخ|اخر|نهايه|بدايه|اول|منتصف|نص|\d)",  # noqa: E501
        r"\b[وف]?(?:السداد|الدفع|التحويل|payment|transfer) (?:سيكون|راح يكون|رح يكون|هيكون|بيكون|حيكون|سيتم|هيتم|راح يتم|رح يتم|بيتم)",  # noqa: E501
        r"(?:inshallah|insha ?'?allah|inshaallah|in sha allah)(?: [^\s]+){0,3}? (?:transfer|pay|payment|settle|نسدد|ندفع|نحول|السداد|الدفع|التحويل)|\b(?:transfer|pay|payment|settle)\b(?: [^\s]+){0,3}? (?:inshallah|insha ?'?allah|inshaallah|ان شاء الله|انشاء الله|انشالله)",  # noqa: E501
    ),
)

# Talk of invoices to come or of another version, not of one missing ("send invoices to
# Omar from now on", "the invoice in Arabic").
FUTURE_ONLY = _compile(
    r"\bfrom next (?:month|week|year)\b|\b(?:in (?:the )?future|from now on|going forward|next time|future invoices)\b",  # noqa: E501
    r"\binvoice (?:in|translated into) (?:arabic|english)\b|\bفاتوره (?:بال|باللغه ال)(?:عربي|انجليزي)",  # noqa: E501
    r"\b(?:ال)?فاتوره (?:القادمه|الجايه|التاليه|الجديده)\b|\bالفواتير (?:القادمه|الجايه)\b|\bباسم (?:ال)?(?:فرع|شركه)(?! (?:ثانيه|تانيه|اخري|ثاني))",  # noqa: E501
    r"\b(?:paper cop(?:y|ies)|hard cop(?:y|ies)|by post)\b(?: as well| too| also)|\bورقيه\b",
    r"\b(?:مستقبلا|في المستقبل|من الان|من هلا|من هلق|بعد كذا|الفواتير القادمه|الفواتير الجايه)\b",
)


def _more(lexicon: Lexicon, *extra: str) -> Lexicon:
    """``lexicon`` with more ``fixed`` phrases (``sync.replies.rules_en`` and ``rules_ar``)."""
    fixed = re.compile(f"{lexicon.fixed.pattern}|{_compile(*extra).pattern}")
    return Lexicon(fixed=fixed, checked=lexicon.checked, guarded=lexicon.guarded)


NOT_RECEIVED = _more(
    NOT_RECEIVED,
    *rules_en.NOT_RECEIVED,
    *rules_ar.NOT_RECEIVED,
    *said.NOT_RECEIVED,
    *buyers.NOT_RECEIVED,
)
ALREADY_PAID = _more(
    ALREADY_PAID,
    *rules_en.ALREADY_PAID,
    *rules_ar.ALREADY_PAID,
    *said.ALREADY_PAID,
    *buyers.ALREADY_PAID,
)
DISPUTE = _more(DISPUTE, *rules_en.DISPUTE, *rules_ar.DISPUTE, *said.DISPUTE, *buyers.DISPUTE)
PAYMENT_PLAN = _more(
    PAYMENT_PLAN,
    *rules_en.PAYMENT_PLAN,
    *rules_ar.PAYMENT_PLAN,
    *said.PAYMENT_PLAN,
    *buyers.PAYMENT_PLAN,
)
PROMISE = _more(PROMISE, *rules_en.PROMISE, *rules_ar.PROMISE, *said.PROMISE, *buyers.PROMISE)
# A claim of payment a dispute's words would take ("offset against your credit note").
PAID_FIRST = Lexicon(fixed=_compile(*said.PAID_FIRST, *buyers.PAID_FIRST), checked=_compile(r"$^"))
# Hardship, and a request for time: together with a promise, a payment plan.
HARDSHIP = _compile(*rules_en.HARDSHIP, *rules_ar.HARDSHIP, *said.HARDSHIP, *buyers.HARDSHIP)
MORE_TIME = _compile(*rules_en.MORE_TIME, *rules_ar.MORE_TIME, *buyers.MORE_TIME)
# A plan whose first part has no date ("half after salaries, the rest on the 30th").
UNDATED_FIRST = _compile(*said.UNDATED_FIRST)
# A plan whose first part is paid the day the reply arrived ("half now, the rest ...").
FIRST_NOW = _compile(*buyers.FIRST_NOW)
