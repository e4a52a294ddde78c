r"""Intents said indirectly, in both languages, for ``sync.replies.rules``. Pure data.

Customers seldom name what they want. A dispute comes as a complaint about the work, a
request for a discount or a corrected invoice, a charge they did not expect; a promise
as an arrangement (an invoice put in a payment batch, "١٥ الشهر تنسدد", "tomorrow ان
شاء الله"); a claim of payment as a record ("our records show it as cleared", "الحوالة
راحت"); a missing invoice as one that cannot be traced or was deleted; a plan as
percentages on dates or post-dated cheques. Written in ordinary spelling;
``sync.replies.rules`` folds them.
"""

from __future__ import annotations

_INSHALLAH = r"(?:ان شاء الله|ان شاءالله|انشاء الله|انشاءالله|انشالله|باذن الله|inshallah|insha ?'?allah|inshaallah|in sha allah)"  # noqa: E501
_WHEN = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:ال)?(?:احد|اثنين|ثلاثاء|اربعاء|خميس|جمعه|سبت)|tomorrow|today|tonight|this week|next week|soon|end of (?:the )?month|by \w+|before \w+|on \w+|بكره|بكرا|باجر|غدا|اليوم|الحين|قريبا|هالاسبوع|الاسبوع \w+|(?:نهايه|اخر) (?:ال)?(?:شهر|اسبوع)|قبل \w+|يوم \w+)"  # noqa: E501
_AR_MONEY = r"(?:ال)?(?:مبلغ|فلوس|مصاري|قروش|حواله|دفعه|تحويل)"

# Claims of payment that a dispute's words would otherwise take: a payment by offset
# against a credit, a payment made twice.
PAID_FIRST = (
    r"\b(?:offset|set off|netted|deducted) (?:this |it )?(?:against|from) (?:your |the |our |a )?(?:credit|advance|deposit)",  # noqa: E501
    r"\b(?:انخصم|اتخصم|تخصم|خصمناه|خصمناها|تم خصم (?:ال)?مبلغ) من (?:ال ?)?(?:رصيد|credit|اشعار|دفعه (?:ال)?مقدمه)",  # noqa: E501
    r"\b(?:paid|transferred|wired) (?:it |this |the invoice )?twice\b",
)

DISPUTE = (
    # the price: a discount, a reduction, more than quoted, an extra charge
    r"\b(?:a |some |partial )(?:discount|reduction|rebate|price adjustment)\b(?! (?:for|if|when) (?:early|prompt|paying|we pay))|\b(?:reduce|lower) the (?:amount|price|fee|invoice)\b",  # noqa: E501
    r"\bflexib\w+ on (?:this one|the price|the amount|the fee|the invoice|this invoice)\b|\b(?:a bit |rather |quite |very |too )steep\b|\bnot (?:fair|justified|reasonable)\b|\bunjustified\b",  # noqa: E501
    r"\b(?:more|higher) than (?:the |your |our )?(?:quote|quotation|estimate|agreed|po|purchase order)\b|\bwhat(?:'s| is| are) the extra\b|\bwhere (?:does|did) the extra\b|\bthe extra \d",  # noqa: E501
    r"\b(?:discuss|talk about|chat about|negotiate|revisit) (?:the )?(?:amount|fee|fees|price|pricing|charges?|cost|figure|rate)\b",  # noqa: E501
    r"\bthere (?:might|may|must|could) (?:be|have been) (?:a |an |some )?(?:mistake|error|mix[- ]?up)\b|\b(?:i think|we think|i believe) (?:you(?:'ve| have) made a |there(?:'s| is| has been) (?:a |an )?)(?:mistake|error)",  # noqa: E501
    r"\b(?:you(?:'re| are)|ur|you'?ve|you have) (?:been )?(?:charging|charged|billing|billed) us\b|\bwe cancell?ed (?:those|them|it|that|this|these)\b|\bcancel (?:one|this one|the duplicate)\b",  # noqa: E501
    r"\bpartial (?:service|delivery|supply)\b|\bcame once\b|\b(?:once|one|two|three|\d+) (?:visits? )?instead of\b|\bbill (?:us|me) (?:only )?for (?:one|only|\d)\b|\bbill them\b|\b(?:completed|finished) (?:phases|stages|work) only\b",  # noqa: E501
    r"\bre-?issue (?:it |the invoice |this )?(?:for|with|without|at|minus|less|after)\b|\b(?:deduct|correct|amend) (?:it |them )?and re-?issue\b|\buntil (?:that|this|it)(?:'s| is| has been) (?:corrected|fixed|amended|sorted)\b",  # noqa: E501
    r"\b(?:quality|colou?rs?|finish|work|service|cleaning)\b (?:was|were|is|are|has been) (?:\w+ )?(?:not good|not great|off|poor|patchy|disappointing|not up to)\b|\bdisappoint(?:ed|ing)\b|\bunusable\b|\bdead pixels\b|\b(?:replaced|repaired) or credited\b",  # noqa: E501
    r"\b(?:ran|was|were|came|arrived|delivered|finished|completed) (?:\w+ )?(?:weeks?|days?|hours?|minutes?) late\b|\blate (?:delivery|arrival)\b|\bpenalt(?:y|ies)\b|\bliquidated damages\b",  # noqa: E501
    r"\b(?:zero[- ]rated|vat[- ]exempt)\b|\b(?:vat|tax)\b.{0,30}\b(?:should be|must be|instead of)\b|\bstill shows\b",  # noqa: E501
    r"\b(?:phase|stage|milestone|work|job)\b.{0,20}\b(?:is ?n'?t|is not|not|has ?n'?t been) (?:yet )?(?:finished|complete|completed|done)\b",  # noqa: E501
    r"\bnot the ones? who (?:ordered|placed|booked)\b|\bordered (?:and received )?by (?:our|another|a different|a sister)\b|\bsister company\b|\banother (?:customer|company|client) with (?:a )?similar name\b",  # noqa: E501
    r"\b(?:confirmed|promised|told us|agreed) (?:that )?(?:we'?d|we would|we'?ll|we will) (?:get|be charged|pay|have)\b|\bnot what we (?:briefed|asked for|paid for|ordered)\b|\b(?:below|not) what was (?:promised|agreed|quoted|ordered)\b",  # noqa: E501
    r"(?:\bnot|\bnever|n'?t) (?:yet )?(?:received|got|had) (?:the |any |our )?(?:[^\s]+ )?(?:goods|items|products|parts|shipment|materials|equipment|units)\b",  # noqa: E501
    r"\b(?:like|need|want|expect|request) (?:a |some )?credit (?:for|on|against)\b|(?:السعر|المبلغ|الفاتوره|الاسعار) (?:جدا )?(?:غالي|غاليه|مرتفع|مرتفعه)\b|\bتخفيض\b",  # noqa: E501
    r"\bsame (?:service|item|items|charge|work|job|line|visit)s? twice\b|\b(?:mkarara|metkarara|mkarrar)\b|\b(?:goods|bada3a|el bada3a|items|order)\b.{0,15}\b(?:ma|mesh|mish) (?:wasal\w*|wesel\w*|wisil\w*|wsl\w*)",  # noqa: E501
    # Arabic: a discount, a correction, a contract ended, a charge not agreed
    r"\bخصم(?:ها|ه)\b|\b(?:في|فيه|يكون في) خصم (?:علي|ع)\b|\bبعد (?:ال)?خصم\b|\bفيه خصم \d|\b(?:صححوها|صححوا|صححو|عدلوها|عدلوا|عدلو|عدلوه|نرجو التصحيح|يرجي التصحيح|تصحيحها|تعديلها)\b",  # noqa: E501
    r"\bسحب (?:ال)?(?:فاتوره|مطالبه|اشعار)|\b(?:انهاء|الغاء|فسخ) (?:ال)?(?:عقد|اتفاقيه|اشتراك)\b|\b[و]?المفروض (?:\d|يكون|تكون|نكون)",  # noqa: E501
    r"\b(?:حاسبنا|حاسبينا|حاسبتونا|حسبتوا|حسبتو|حسبتم|محسوبه|محسوب|حاسبين)\b|\b(?:مو|مش|غير|ما|مب) ?(?:متفق|متفقين) (?:عليه|عليها)\b",  # noqa: E501
    r"غير (?:اللي|الي|التي|الذي) (?:في|ب)(?:ال)?(?:عقد|عرض|امر الشراء|اتفاق|اتفاقيه|طلب)|\bبدال\b|\bبدل (?:ال)?(?:اربع|ثلاث|خمس|اثنين|زيارتين|مره|ليلتين)",  # noqa: E501
    r"\b(?:الكميه|العدد) (?:المكتوبه|المكتوب|بالفاتوره|في الفاتوره)\b|\b[و]?(?:اللي|الي|بينما) (?:استلمناه|استلمناها|جانا|اخذناه)\b",  # noqa: E501
    r"(?:ما|مو|مش|مب) (?:زين|كويس|حلو|تمام) (?:ال)?(?:شغل|عمل)|(?:الشغل|العمل)\b(?: [^\s]+){0,3} (?:متاخر|ما زين|مو زين)|\bمتشقق|\bنتفاهم (?:علي|ع) (?:ال)?(?:مبلغ|سعر|فاتوره)|\bنتناقش (?:في|علي) (?:ال)?(?:مبلغ|سعر)",  # noqa: E501
    r"\b(?:ليست|ليس|مو|مش|مب) باسم\b|\b(?:لا يمكن|ما نقدر|ما نقبل|لا نقبل) (?:قبولها|قبوله|نقبلها|نعتمدها)\b|(?<!بدون )\bغرام(?:ه|ات) (?:ال)?تاخير\b",  # noqa: E501
    r"(?:الطلب|الطلبيه|الفاتوره|هذا|هذي) (?:مو|مش|مب|ليس|ليست) (?:منا|مننا|حقنا|بتاعنا)\b|\bعميل (?:ثاني|تاني|اخر) بنفس الاسم",  # noqa: E501
    r"(?:الاعمال|الاشغال|المشروع|الشغل)\b.{0,10}(?:لم|ما) (?:يتم )?(?:استلامها|استلامه|تسليمها|تسليمه)|\bالاستلام النهايي\b",  # noqa: E501
    r"(?:الالوان|اللون|المقاس|المقاسات|الجوده|النوعيه|الموديل)\s(?:[^\s]+\s)?(?:غلط|خطا|سييه|رديه|مو زين|مش كويس)",  # noqa: E501
)

PROMISE = (
    r"\b(?:could|can|may) (?:we|i) have until\b|\baiming to (?:pay|settle|clear|transfer)\b|\bexpect (?:it|this) (?:by|on|before|tomorrow|next|early|end)\b",  # noqa: E501
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)'?s (?:payment |pay )?(?:run|batch)\b",  # noqa: E501
    r"\b(?:scheduled|booked|queued|lined up|put|keyed) (?:this|it|the invoice|your invoice|payment|the payment) (?:in |into )?(?:for|on|the batch|the run|our|next)\b|\bis scheduled for\b|\bscheduled (?:for|on) \d",  # noqa: E501
    r"\b(?:into|in) (?:the |our |this week'?s |next week'?s )?(?:batch|payment batch) (?:for|on)\b|\bpayment runs?\b|\bgo in the next (?:one|run|batch)\b|\bin the next (?:run|batch|payment run|pay run)\b",  # noqa: E501
    r"\b(?:will|'ll|gonna|going to) (?:get (?:it|this) done|sort (?:it|this)|clear (?:it|this)|do (?:it|this)|take care of (?:it|this))\b(?=.{0,40}\b(?:tomorrow|today|tonight|monday|tuesday|wednesday|thursday|thrusday|friday|saturday|sunday|next|this|by|on|end|then|when|after)\b)",  # noqa: E501
    r"\brelease (?:it|this|the funds) (?:on|by|next|tomorrow|this)\b|\b(?:payment|it|transfer|invoice) is being (?:processed|prepared|arranged|released)\b",  # noqa: E501
    rf"\b{_WHEN},? {_INSHALLAH}|{_INSHALLAH},? {_WHEN}",
    r"^(?:(?:ok|okay|noted|sure|حاضر|ابشر|تمام|طيب|اوكي)[,.!]? )?(?:by |on |يوم |قبل )?(?:tomorrow|end of (?:the )?month|month end|اخر الشهر|نهايه الشهر|بكره|بكرا|باجر)[.!]?$",  # noqa: E501
    # Arabic: passive and future forms, the money that will be with you, a time then a verb
    r"\b[وف]?(?:ب|ه|ح|رح |راح )?(?:تنسدد|ينسدد|تنحول|ينحول|تتحول|يتحول|تندفع|يندفع|هتتدفع|هيتدفع|بتتدفع|هتتسدد|تتسدد|يتسدد|تتدفع|ستحول|ستسدد|ستدفع|سيحول|سيسدد|ستتحول|سيتحول)(?:ها|ه)?\b",  # noqa: E501
    r"(?<!لم )(?<!ما )(?<!لا )\bيتم (?:ال)?(?:سداد|تحويل|دفع|صرف)\b|\bسيتم (?:تحويل|سداد|دفع|صرف)|\b(?:تكون|يكون|بتكون|راح تكون|هتكون) عند(?:ك|كم|كو)\b",  # noqa: E501
    r"\bتم (?:ادراج|جدوله|جدولت|برمجه)(?:ها|ه)?\b|\bتمت جدوله\b",
    r"(?:بكره|بكرا|باجر|غدا|اليوم|الحين|الصبح|(?:اول|مجرد|بمجرد) ما \w+|يوم \w+|الاسبوع \w+|الشهر \w+)(?: [^\s]+){0,3} (?:ا|ن|ي)(?:حول|سدد|دفع)(?:ها|ه|لكم)?\b",  # noqa: E501
    r"\b(?:el yom|el youm|bokra|bukra) (?:ha|ba|h|b)?(?:7awel|7awl|ad?fa3|asadad)\w*",
)

ALREADY_PAID = (
    r"\bpayment (?:of|for) (?:this |the |your |our )?(?:invoice|amount|balance|bill)\b (?:was|has been|had been) (?:made|sent|effected|remitted|transferred|done|completed)\b",  # noqa: E501
    r"\b(?:payment|transfer|remittance) (?:of )?(?:[^\s]+ ){0,3}(?:was|has been|were|had been) (?:remitted|made|sent|transferred|effected|credited|completed)\b",  # noqa: E501
    r"\b(?:shows?|showing|shown) (?:this|the|that|it) (?:invoice )?as (?:paid|cleared|settled)\b|\b(?:if|whether) you(?:'ve| have)? (?:received|got) (?:our|the|my) (?:payment|transfer|money|cheque|remittance)\b",  # noqa: E501
    r"\b(?:madfoo3a|madfou3a|madfo3a|madfoo3|dafa3na|7awalna|hawalna|sadadna)\b",
    rf"{_AR_MONEY} (?:دي |ده |هذي |هاي )?(?:راحت|اتحولت|انحولت|اتحول|انحول|اندفعت|اندفع|اتسددت|انسددت)\b|\b(?:اندفع|ادفعنا)\b|\bخلصنا (?:ال)?خلاص\b",  # noqa: E501
    r"\b[وف]?حول(?:نا|ت) (?:نص|نصف|جزء|ربع|بعض|\d)",
)

NOT_RECEIVED = (
    r"\b(?:invoice|bill|attachment|pdf|copy)\b.{0,30}\b(?:has|have|had) not (?:yet )?been (?:received|delivered|sent|shared)\b",  # noqa: E501
    r"(?:\bnot|\bnever|n'?t) (?:yet )?(?:received|got|seen) (?:the said|the above|the subject|the mentioned|the referenced|the above-?mentioned) (?:invoice|bill)\b",  # noqa: E501
    r"\b(?:don'?t|do not|can'?t|cannot) seem to (?:have|find|locate|open|see)\b|\bnot traceable\b|\bcan(?:'?t|not) trace (?:the|this|it|your)\b|\b(?:provide|share|send) us (?:with )?(?:the |a )?copy of (?:the )?invoice\b",  # noqa: E501
    r"(?:الفاتوره|الفواتير|النسخه)(?: [^\s]+){0,3} (?:غير|مو|مش|ليست) (?:موجوده|موجود|متوفره|متوفر) (?:لدينا|عندنا)",  # noqa: E501
    r"\b(?:حذفت|حذفنا|مسحت|مسحنا|ضيعت|ضيعنا)(?:ها)?\b(?: [^\s]+)? (?:ال)?(?:فاتوره|ايميل|رساله|مرفق)|\bنسخه (?:ثانيه|تانيه|اخري|جديده)\b",  # noqa: E501
    r"\b[وف]?(?:لم|ما) (?:نعثر|اعثر|نجد|اجد|نلقي|نلاقي) (?:علي )?(?:ال)?(?:فاتوره|نسخه|ايميل|رساله)|\b(?:حجبت|انحجبت|اتحجبت|محجوبه)\b",  # noqa: E501
    r"\b(?:ارسلوا|ابعتوا|ارسلو|ابعثوا|دزوا|دزو|ترسلون) (?:لنا |لي )?(?:ال)?(?:صحيحه|الصح|الصحيح)\b|\bفاتوره عميل (?:ثاني|تاني|اخر)\b",  # noqa: E501
    r"\bاول مره (?:نسمع|اسمع|نشوف|اشوف) (?:ب|عن)|\b(?:ارسلها|ابعتها|ابعثها|دزها|ارسلوها|ابعتوها|دزوها) (?:لو سمحت|من فضلك|لنا|لي|مره)",  # noqa: E501
    r"\b(?:link|el link|attachment|el attachment|pdf|el fatoora)\b (?:mesh|mish|msh|mosh|ma) \w+|\bماكو (?:اي )?(?:ال)?(?:فاتوره|مرفق)",  # noqa: E501
)

PAYMENT_PLAN = (
    r"\bpay(?:ing)? (?:it |this |the balance )?(?:off )?(?:monthly|weekly)\b|\bemis?\b|\b(?:in|into) (?:two|three|2|3) goes\b|\bpost-?dated cheques\b|\bشيكات (?:مؤجله|اجله)\b",  # noqa: E501
    r"\b(?:only |just )?(?:\d+ ?%|half|part|a portion) (?:of it |of the amount )?(?:now|today|this week|this month)\b",  # noqa: E501
    r"\b\d{1,2} ?% (?:on|by|in|at|يوم|في|بتاريخ|نهايه|اخر|منتصف|بعد)\b.{1,40}\d{1,2} ?% (?:on|by|in|at|يوم|في|بتاريخ|نهايه|اخر|منتصف|بعد)\b",  # noqa: E501
    r"\bو?كل (?:شهر|اسبوع)\b|(?:كبير|كثير) علينا\b|\bدفعه (?:وحده|واحده)\b",
)

HARDSHIP = (
    r"\bfinancial (?:constraints?|situation|reasons|circumstances)\b|\bliquidation\b|\bwent into administration\b|\bcyber[- ]?attack\b|\bransomware\b|\bhacked\b|\b(?:sudden )?death of\b|\bbereavement\b|\bfunds are short\b|\bstuck in (?:port|customs)\b",  # noqa: E501
    r"\bظروف ماليه\b|\bالظروف الماليه\b|\b(?:اعاده )?هيكله\b|\bالمدفوعات معلقه\b|\bتاخر (?:[^\s]+ )?مستحقاتنا\b|\bمافي سيوله\b",  # noqa: E501
)

# A payment plan's first part with no date: "half after salaries", "نص بعد الرواتب".
UNDATED_FIRST = (
    r"\b(?:half|part|\d+ ?%|some) (?:[^\s]+ ){0,2}(?:once|after|when) (?:the )?(?:salar\w+|payday|pay ?day)",  # noqa: E501
    r"\b(?:نص|نصف|جزء)(?:ها|ه)? (?:(?:ال)?مبلغ )?(?:بعد|مع) (?:ال)?(?:رواتب|راتب)\b",
)
