r"""Phrases of large buyers, public bodies and hurried phones for ``sync.replies.rules``. Pure data.

A finance department writes about its process: the invoice must be on a portal (Ariba,
Coupa, Etimad) or in the AP mailbox, the goods receipt (GRN) is missing, the three-way
match failed, the payment voucher awaits a signature, the "مستخلص" (progress claim) is
not yet approved. A phone writes in haste: "pay mint", "invoce", "ma fi attachment".
Evidence of payment comes as the channel used (a CDM deposit, a direct debit, money
taken from our account or card) rather than the word "paid". Written in ordinary
spelling; ``sync.replies.rules`` folds them.
"""

from __future__ import annotations

_INV = r"(?:invoice|invoices|invoce|invoise|invocie|inovice|bill|pdf|attachment|attachement|attachmnet|copy)"  # noqa: E501
_AR_MONEY = r"(?:ال)?(?:مبلغ|فلوس|مصاري|قيمه|دفعه|حواله|تحويل)"
_SOON = r"(?:بكره|بكرا|باجر|اليوم|الحين|(?:ال|هال)(?:احد|اثنين|اتنين|ثلاثاء|اربعاء|خميس|جمعه|سبت))"

NOT_RECEIVED = (
    # the invoice never reached accounts payable, the AP mailbox or the portal
    r"\bnot received by (?:ap|a/p|accounts|accounts payable|finance|us)\b|\bsend (?:the |your |this )?(?:invoice|invoices|invoice copy) to (?:our |the )?(?:ap|a/p|accounts payable|invoices?|invoicing|finance)\b(?! (?:team )?(?:from now|in future|going forward))",  # noqa: E501
    r"\bnothing (?:has been|was|is) (?:uploaded|submitted|registered|received)\b|\bno invoice (?:has been |was |is )?(?:uploaded|submitted|registered|received)\b|\b(?:invoice|it) (?:has |have )?(?:not|never) (?:yet )?been (?:uploaded|submitted|registered)\b",  # noqa: E501
    # a link or a file that shows nothing, a copy too large or cut off
    r"\blink\b.{0,80}\b(?:white page|blank (?:page|screen)|spinning|asks? (?:me |us )?to (?:log ?in|sign ?in|register)|(?:is )?not (?:opening|loading)|is ?n'?t (?:opening|loading)|opens nothing|shows nothing|nothing (?:happens|opens))",  # noqa: E501
    r"\b(?:copy|scan|scanned|image|pdf|invoice|page)\b.{0,50}\b(?:cut off|cropped|not visible|not legible|illegible|unreadable|blurr?y)\b|\bcame through but (?:the |your )?(?:invoice|attachment|pdf|file)\b|\b\d+ ?mb limit\b",  # noqa: E501
    rf"\b(?:don'?t|dont|do not|can'?t|cant|cannot|could ?n'?t|couldnt) (?:see|find|locate|open) (?:any |the |an |your |this )?{_INV}\b|\bwhere (?:do|can|would|should) (?:i|we) (?:find|get|see|download|access) (?:the |your |this )?{_INV}\b",  # noqa: E501
    r"\bsend (?:us |me )?(?:the|an|your) (?:invoice|pdf) (?:pls|plz|please|asap|again)\b",
    rf"\b(?:wen|wein|fein|feen|fen|where'?s) (?:el |the )?(?:{_INV}|fatora|fatoora)\b|\b(?:ma ?fi|mafi|mafish|mafeesh|ma fe|mfish) (?:el |any |ay )?(?:{_INV}|fatora|fatoora)\b|\b(?:please|pls|plz|kindly) send (?:the |a |us |me )?(?:pdf|invoice copy)\b|\bpassword[- ]protected\b",  # noqa: E501
    # Arabic: not come to us, not on the platform, protected, in another company's name
    r"\b(?:لم|ما) (?:يرد|ترد)(?:نا)? (?:الينا|لنا|الي|منكم|(?:ال)?فاتوره|اصل)\b|\b(?:لم|ما) (?:يكن|يكون|كان|كانت) (?:مرفقا|مرفق|مرفقه)\b",  # noqa: E501
    r"\b(?:ما|لم|مو|مش) ?(?:انرفعت|انرفع|اترفعت|ترفع|يرفع|يتم رفع(?:ها|ه)?|رفعت|رفعتوها|رفعتو)\b(?: [^\s]+){0,2} (?:(?:علي|ع|في) |ب)(?:ال)?(?:منصه|بوابه|نظام|portal)|(?:الفاتوره|فاتورتكم)(?: [^\s]+){0,3} غير (?:مسجله|مدرجه) (?:لدينا|عندنا)|\b(?:نامل|نرجو|يرجي|الرجاء|ارجو) (?:ال)?رفع\b",  # noqa: E501
    r"\b(?:وين|فين|اين|وينها) (?:ال)?(?:فاتورتنا|فاتورتي)|(?:مرفق|مرفقه|المرفق|المرفقه)\b.{0,25}\bباسم (?:شركه|عميل|جهه|مؤسسه) (?:ثانيه|تانيه|اخري|ثاني|تاني)|\bمحمي(?:ه)? بكلمه (?:سر|مرور)|\bالباسورد\b",  # noqa: E501
    r"(?:فاتوره|الفاتوره|المرفق).{0,60}\b[وف]?(?:لم|ما) (?:نجد|نلق|نلاقي|لقينا|نعثر|وجدنا|اجد)\w*|(?:ال)?رابط\b(?: [^\s]+){0,2} (?:ما|مش|مو|لا|لم) ?(?:يفتح|بيفتح|ينفتح|يشتغل|فتح|اشتغل|يعمل|يحمل)",  # noqa: E501
)

ALREADY_PAID = (
    r"\b(?:we|i|we've|i've|we have|i have) (?:have |has |already |just )*(?:deposited|paid in|lodged)\b|\b(?:receipt|slip|swift|swift copy|mt103|proof|bank confirmation|transfer confirmation) (?:is )?attached\b|\battached (?:is |are )?(?:the |our )?(?:receipt|slip|swift|mt103|bank confirmation|transfer confirmation)\b",  # noqa: E501
    r"\b(?:was|were|been|has been|got) (?:cleared|settled|collected|debited|paid) (?:via|by|through|with|using|from)\b|\b(?:money|payment|funds|transfer|it) went (?:on|out on|yesterday|last|this morning)\b",  # noqa: E501
    rf"{_AR_MONEY} (?:انتقل|انتقلت|خرج|خرجت|طلع|طلعت|نزل|انخصم|اتخصم|خصم|تم خصمه|انسحب|اتسحب) من (?:حسابنا|حسابي|البنك|بطاقتنا|بطاقتي|الحساب)",  # noqa: E501
    r"\bتم صرف (?:ال)?(?:مستخلص|مبلغ|شيك|دفعه|قيمه)|\b[وف]?(?:سدينا|سديناها|سديت|سديتها)\b|\bتم تسليم (?:ال)?شيك|\b(?:سلمنا|سلمت|اعطينا|عطينا)(?:ه|ها)? (?:ال)?(?:شيك|مبلغ|فلوس)",  # noqa: E501
)

# Claims of payment that a dispute's words would otherwise take.
PAID_FIRST = (
    r"\b(?:paid|transferred|settled)\b(?: [^\s]+){0,3} (?:under|against|with|to|using|used|quoting|quoted) (?:the |a )?(?:wrong|different|another|incorrect) (?:invoice|reference|ref|number|account)",  # noqa: E501
    r"\b(?:خصم|انخصم|اتخصم|تم خصمه|تم خصمها|انسحب|اتسحب|تم سحبه)\b.{0,10}\bمن (?:بطاقتي|بطاقتنا|حسابي|حسابنا|البطاقه|الحساب)",  # noqa: E501
    r"\b(?:تمت|تم) (?:تسويه|تسويتها|تسويته)\b.{0,30}\b(?:مقابل|من|ب) (?:ال)?(?:اشعار|رصيد|دفعه مقدمه)|\b(?:settled|offset|cleared|closed) (?:it |this )?(?:against|with|using) (?:the |a |our |your )?(?:credit note|credit|cn|advance|deposit)",  # noqa: E501
)

DISPUTE = (
    # duplicates, goods receipts, quality control, the three-way match
    r"\b(?:is|was|are|a|as|it'?s) (?:a )?duplicates?\b|\bduplicated\b|\btwo invoices for the same\b|نفس (?:رقم )?(?:ال)?(?:po|امر الشراء).{0,30}نفس (?:ال)?مبلغ",  # noqa: E501
    r"\b(?:goods|items|products|order|delivery|parts|shipment|materials|equipment)\b (?:have ?n'?t|has ?n'?t|have not|has not|did ?n'?t|did not|not) (?:yet )?(?:arrived|been delivered|come|reached)\b",  # noqa: E501
    r"\b(?:received|got|delivered) only \d+\b|\bonly \d+ (?:of|out of) (?:the )?\d+\b|\bshort[- ](?:delivery|delivered|shipped|supplied)\b|\b(?:billed|charged|invoiced) (?:us )?(?:at|for) [^.]{0,30}\bbut (?:the |our )?(?:po|quote|quotation|contract|agreed)\b|\b(?:استلمنا|وصلنا|وصلتنا|جانا) (?:بس|فقط) \d+|\b\d+ (?:بس|فقط) من (?:اصل )?\d+",  # noqa: E501
    r"\bfailed (?:our |the )?(?:qc|quality|inspection)\b|\b(?:grn|goods receipt|goods received note)\b.{0,40}\b(?:not|n'?t|never|missing|pending)\b|\b(?:three|3)[- ]way match\b|\bquantity (?:billed|invoiced) (?:exceeds|is more than|is higher than)\b|\bon hold (?:in|on) (?:coupa|ariba|oracle|sap|the portal|our system)\b",  # noqa: E501
    r"\b(?:لم|ما) (?:تجتز|تجتاز|تنجح في|نجحت في) (?:ال)?فحص|\bفحص (?:ال)?جوده\b|\bسند (?:ال)?استلام\b.{0,20}(?:لم|ما) (?:يصدر|يتم)|\bملاحظات (?:علي|ع|في) (?:ال)?(?:كميات|مستخلص|فاتوره|شغل|مشروع|اعمال|تنفيذ|تركيب)|\b(?:معالجه|تخلصوا|تخلصو|تخلصوها) (?:ال)?ملاحظات\b",  # noqa: E501
    # the figures: hours, rates, currency, dates, addressee
    r"\b(?:hours|days|units|amount|amout|invoice|figures?|charges?|quantit\w+|rate|qty)\b.{0,30}\b(?:do not|don'?t|does not|does ?n'?t|did ?n'?t|did not) (?:match|tally|agree)\b|\b(?:old|previous|outdated|last year'?s) (?:\d{4} )?(?:rate|rates|price|prices|vat|pricing)\b|\brenegotiated\b",  # noqa: E501
    r"\b(?:amount|amout|price|total|invoice|figure|rate)s?\b.{0,20}\bdiff?e?rent (?:to|than|from) (?:the |our |what |u |you )?|\bcurrency\b.{0,30}\bbut\b|\b(?:reissue|re-issue) (?:it |the invoice )?(?:in|at|to|under|for|with)\b|\bre-?address\b|\b(?:auditors?) (?:reject\w*)\b|\binvoice date is (?:before|after|wrong|earlier)\b|\bcorrect date\b",  # noqa: E501
    r"\b(?:billed|addressed|issued|made out) to the (?:holding|parent|wrong|other)\b|\bpo was issued by\b|\b(?:missing|without|does ?n'?t (?:show|have|include)|no) (?:our |the |your )?(?:vat|trn|tax|cr|commercial registration) (?:number|no|registration)\b",  # noqa: E501
    r"\b(?:mesh|mish|msh|mosh|mo|mu|mub) (?:zay|zei|zy|mitl|methl|metl|ze) (?:el |the )?(?:quotation|quote|offer|agreement|contract|po|order|3ard|ettefa2)",  # noqa: E501
    # Arabic: reissue in the right name, rejected, not as it should be
    r"\bاعاده اصدار (?:ال)?فاتوره|\bالجهه الصحيحه\b|(?:الفاتوره|فاتورتكم|الفاتوره صادره) باسم (?:ال)?شركه (?:الام|القابضه|التابعه)\b|\b(?:الشركه|شركه) (?:الام|القابضه|التابعه)\b.{0,30}(?:بينما|وال ?po|و ?po|امر الشراء)|\b(?:رفضها|رفضوها|رفضناها|مرفوضه)\b|\bرفض(?:ت|وا)? (?:ال)?فاتوره|\bتاريخ(?:ها)? قبل تاريخ\b|\bبتاريخ صحيح\b",  # noqa: E501
    r"\b(?:لا|ما) (?:تحمل|يحمل|تتضمن|يتضمن) (?:ال)?(?:رقم الضريبي|رقم ضريبي|رمز|ختم|توقيع)|\bلا تعد فاتوره\b|\bليش (?:ال)?فاتوره فيها\b|\b(?:احنا|نحن|حنا) \d+ (?:بس|فقط)\b",  # noqa: E501
    r"(?:التركيب|الشغل|العمل|الخدمه|التنفيذ|الطباعه|التوريد)\s(?:[^\s]+\s){0,2}?(?:مو|مش|مب|غير|ما) ?(?:مضبوط|مظبوط|سليم|مطابق|زين|كويس)\b|\b(?:طلعت|طلع|جات|جت|وصلت|وصل) (?:غلط|خطا|خربان\w*|تالف\w*|ناقص\w*|مكسور\w*)",  # noqa: E501
    r"(?:شغلكم|شغلك|عملكم|مشروعكم|تركيبكم) (?:لسه |لسا |للحين )?(?:ما|لم|مش|مو) ?(?:خلص|اكتمل|انتهي|يخلص|كمل)|(?:لين|حتي|لحد ما|الا لما|غير لما) (?:[^\s]+ ){0,3}?(?:ت|ي)?(?:عدل|يعدل|تعدل)(?:ها|ه|ون|ونها|وها)?\b",  # noqa: E501
)

PROMISE = (
    r"\b(?:payment|transfer|it|funds)\b (?:will|'ll|should|shall) (?:follow|go out|go through|be released)\b|\b(?:cheque|check|payment|transfer|funds) (?:will|'ll|should) be (?:ready|available|with you|in your account)\b|\b(?:it|payment|transfer|money|funds|this) (?:goes|going|is going) out (?:on|by|tomorrow|today|this|next)\b",  # noqa: E501
    r"\b(?:it|payment|money|funds|transfer)(?:'ll| will| should) (?:be in|reach|hit|land in|arrive in) your (?:account|bank)\b|\b(?:allow|give|grant) (?:us|me) (?:until|till|up to) (?:the )?(?:\d|end|next|mon|tues|wednes|thurs|fri|satur|sun)",  # noqa: E501
    r"\b(?:awaiting|waiting for|pending|with (?:our|the)) (?:the |our )?(?:md|cfo|ceo|gm|fd|finance director|managing director|director|manager|owner|chairman)(?:'s)? ?(?:for )?(?:signature|approval|sign-?off|sign off)\b|\bpayment voucher (?:has been|is|was) (?:prepared|raised|ready)",  # noqa: E501
    r"\b(?:بانتظار|في انتظار|ننتظر) (?:ال)?(?:توقيع|اعتماد|موافقه)\b|\bبعد (?:ال)?(?:اعتماد|توقيع) (?:ال)?(?:مستخلص|مدير|فاتوره|لجنه)",  # noqa: E501
    rf"{_AR_MONEY} (?:بينزل|بتنزل|راح ينزل|رح ينزل|هينزل|ينزل|بيوصل|بيوصلكم|بتوصل|بيتحول|بينرسل|يوصلكم|بيكون عندكم)\b|\b(?:المبلغ|الشيك|الفلوس|الحواله) (?:جاهز|جاهزه)\b",  # noqa: E501
    rf"\b[وف]?(?:بنرسل|بنبعت|بنبعث|بندز|راح نرسل|رح نبعت|هنبعت|سنرسل|حنرسل|منبعت) (?:لكم |لك )?(?:ال)?(?:شيك|مبلغ|فلوس|حواله|دفعه|تحويل)|\bحول(?:ها)? (?:لك|لكم) {_SOON}|{_SOON},? (?:اكيد|مضمون)\b",  # noqa: E501
    r"\b(?:عطوني|اعطوني|عطني|اعطني|امهلوني|امهلونا|تمهلونا|خلوها|اصبروا علينا|اصبرو علينا) (?:لين|لحد|الي|حتي)\b|\b(?<!تاخر )(?<!تاجيل )(?<!تقسيط )(?:السداد|الدفع|التحويل) (?:في|يوم|بتاريخ) \d",  # noqa: E501
    r"\bبعد (?:اسبوع|يومين|\d+ (?:ايام|يوم))\b,? (?:ان شاء الله|انشاء الله|انشالله|باذن الله)",
    r"\b(?<!ما )(?<!لا )(?<!مش )(?<!مو )(?<!نقدر )(?<!نستطيع )[وف]?(?:ن|ا)(?:سدد|دفع|حول)(?:ها|ه|لكم)? (?:بعد|اول ما|لما|حال|بمجرد|عند) ",  # noqa: E501
)

PAYMENT_PLAN = (
    r"\b(?:can'?t|cannot|unable to|not able to) pay (?:the |it )?(?:full|whole|entire|total)\b(?: [^\s]+){0,3}? (?:at once|in one go|now|right now|this month)\b",  # noqa: E501
    r"\b\d[\d,.]*k? (?:per|a|every|each) (?:month|week|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|\b(?:pay|paying|do) (?:you )?\d[\d,.]*k? (?:monthly|weekly)\b",  # noqa: E501
    r"\b\d[\d,.]*k? (?:now|today|tomorrow|this week|this month|on (?:the )?\w+),? (?:and|then) (?:another |the (?:other|remaining|rest) )?\d[\d,.]*k?\b",  # noqa: E501
    r"\d{1,3} ?%[^%]{1,40}(?:\bو ?|\band |\bthen |\bthe other |\bthe remaining )\d{1,3} ?%",
    r"\b(?:nqass?em|n2ass?em|qassem|2assem)\w*|\b\d (?:daf3at|dof3at|aqsat|a2sat)\b",
)

HARDSHIP = (
    r"\bhit (?:very |really )?hard\b|\b(?:tough|difficult|hard|rough) (?:spot|times?|period|month|year|situation)\b|\bthings are (?:really |very )?(?:tough|hard|difficult)\b|\bfinancial difficult\w*|\baccount (?:was|got) frozen\b|\bfrozen by the bank\b",  # noqa: E501
    r"\b(?:ما|مش|مو|لا) ?(?:تكفي|يكفي)\b|\b(?:تعبان|مريض|توفي|وفاه)\b|\bمفلس\w*|\bافلاس\b|(?:الراتب|الرواتب|رواتبنا) (?:تاخر|تاخرت|متاخر\w*)|\bتاخر (?:ال)?(?:راتب|رواتب)|فقدنا (?:ال)?(?:زبون|عميل|عقد)",  # noqa: E501
)

MORE_TIME = (
    r"\b(?:defer\w*|postpone\w*)\b|\b(?:تاجيل|تاجلوها|تاجلوه|تاجلون|اجلوها|اجلوا|نوجل|نأجل)\b",
    r"\b(?:اعطيني|عطني|عطوني|اعطونا|عطونا|تعطوني|تعطونا|تعطيني|امنحونا|امنحوني) (?:شويه |بعض )?(?:ال)?(?:وقت|مهله|فرصه)",  # noqa: E501
)

# The first part of a plan paid on the day the reply arrived: "half now, the rest ...".
FIRST_NOW = (
    r"\b(?<!in )(?:\d[\d,.]*k?|half|part|some|a portion|one|partial payment|\d+ ?%)(?: [^\s]+){0,3}? (?:now|right now|immediately|straight away|الحين|الان)\b(?! (?:and|but) (?:we|i) (?:can'?t|cannot))",  # noqa: E501
    r"(?:نص|نصف|نصها|جزء|ربع|الربع|وحده|واحده|\d[\d,.]*|\d+ ?%)(?: [^\s]+){0,3}? (?:الحين|الان|هلا|هلق|دلوقتي|حاليا)\b",  # noqa: E501
)
