/* zv-seed-corpus.c: the demo company's vocabulary: names, departments, clients, and the lines of
 * work chat the seeder assembles messages from. Fictional: companies use .example domains, phone
 * numbers use ranges reserved for drama (UK 020 7946 0xxx, 07700 900xxx) or look plausible only.
 */
#define G_LOG_DOMAIN "zveno-server"

#include "config.h"

#include "zv-seed-corpus.h"

#define LIST(type, name, ...) \
  const type name[] = { __VA_ARGS__ }; \
  const gsize name##_len = G_N_ELEMENTS (name)

LIST (ZvSeedFirstName, zv_seed_ru_first_names,
  { "Анна", "anna", TRUE }, { "Мария", "maria", TRUE }, { "Елена", "elena", TRUE },
  { "Ольга", "olga", TRUE }, { "Наталья", "natalya", TRUE }, { "Татьяна", "tatyana", TRUE },
  { "Ирина", "irina", TRUE }, { "Светлана", "svetlana", TRUE }, { "Екатерина", "ekaterina", TRUE },
  { "Юлия", "yulia", TRUE }, { "Дарья", "darya", TRUE }, { "Алёна", "alena", TRUE },
  { "Ксения", "ksenia", TRUE }, { "Валерия", "valeria", TRUE }, { "Полина", "polina", TRUE },
  { "Виктория", "victoria", TRUE }, { "Марина", "marina", TRUE }, { "Софья", "sofya", TRUE },
  { "Алексей", "alexey", FALSE }, { "Дмитрий", "dmitry", FALSE }, { "Сергей", "sergey", FALSE },
  { "Андрей", "andrey", FALSE }, { "Иван", "ivan", FALSE }, { "Михаил", "mikhail", FALSE },
  { "Николай", "nikolay", FALSE }, { "Павел", "pavel", FALSE }, { "Артём", "artem", FALSE },
  { "Евгений", "evgeny", FALSE }, { "Владимир", "vladimir", FALSE }, { "Константин", "konstantin", FALSE },
  { "Максим", "maxim", FALSE }, { "Олег", "oleg", FALSE }, { "Игорь", "igor", FALSE },
  { "Роман", "roman", FALSE }, { "Кирилл", "kirill", FALSE }, { "Григорий", "grigory", FALSE },
);

/* Male form | transliteration. The female form is derived (-ов → -ова, -ский → -ская, ...). */
LIST (char *const, zv_seed_ru_surnames,
  "Петров|petrov", "Иванов|ivanov", "Смирнов|smirnov", "Кузнецов|kuznetsov", "Соколов|sokolov",
  "Попов|popov", "Лебедев|lebedev", "Козлов|kozlov", "Новиков|novikov", "Морозов|morozov",
  "Волков|volkov", "Соловьёв|solovyov", "Васильев|vasiliev", "Зайцев|zaytsev", "Павлов|pavlov",
  "Семёнов|semenov", "Голубев|golubev", "Виноградов|vinogradov", "Богданов|bogdanov", "Воробьёв|vorobyov",
  "Фёдоров|fedorov", "Михайлов|mikhailov", "Беляев|belyaev", "Тарасов|tarasov", "Белов|belov",
  "Комаров|komarov", "Орлов|orlov", "Киселёв|kiselev", "Макаров|makarov", "Андреев|andreev",
  "Ковалёв|kovalev", "Ильин|ilyin", "Гусев|gusev", "Титов|titov", "Кудрявцев|kudryavtsev",
  "Баранов|baranov", "Куликов|kulikov", "Алексеев|alekseev", "Степанов|stepanov", "Яковлев|yakovlev",
  "Сорокин|sorokin", "Никитин|nikitin", "Фомин|fomin", "Калинин|kalinin", "Жуков|zhukov",
  "Григорьев|grigoriev", "Романов|romanov", "Ершов|ershov", "Данилов|danilov", "Быков|bykov",
  "Островский|ostrovsky", "Вишневский|vishnevsky", "Покровский|pokrovsky", "Левицкий|levitsky",
  "Шевчук|shevchuk", "Кравец|kravets", "Мельник|melnik", "Бондаренко|bondarenko", "Ткаченко|tkachenko",
);

LIST (ZvSeedFirstName, zv_seed_en_first_names,
  { "Emma", "emma", TRUE }, { "Olivia", "olivia", TRUE }, { "Sophie", "sophie", TRUE },
  { "Charlotte", "charlotte", TRUE }, { "Grace", "grace", TRUE }, { "Hannah", "hannah", TRUE },
  { "Emily", "emily", TRUE }, { "Lucy", "lucy", TRUE }, { "Chloe", "chloe", TRUE },
  { "Rachel", "rachel", TRUE }, { "Laura", "laura", TRUE }, { "Megan", "megan", TRUE },
  { "James", "james", FALSE }, { "Oliver", "oliver", FALSE }, { "Thomas", "thomas", FALSE },
  { "William", "william", FALSE }, { "Jack", "jack", FALSE }, { "Daniel", "daniel", FALSE },
  { "Henry", "henry", FALSE }, { "George", "george", FALSE }, { "Samuel", "samuel", FALSE },
  { "Michael", "michael", FALSE }, { "David", "david", FALSE }, { "Peter", "peter", FALSE },
  { "Mark", "mark", FALSE }, { "Ben", "ben", FALSE }, { "Ryan", "ryan", FALSE },
);

LIST (char *const, zv_seed_en_surnames,
  "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
  "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
  "Clarke", "Harris", "Lewis", "Cooper", "Baker", "Turner", "Hill", "Ward", "Morgan", "Parker",
  "Bennett", "Hughes", "Fletcher", "Marsh", "Kennedy", "O'Brien", "Murphy", "Sullivan", "Reid",
);

static const char *const sales_titles[] = {
  "Руководитель отдела продаж", "Менеджер по продажам", "Старший менеджер по продажам",
  "Аккаунт-менеджер", "Менеджер по работе с ключевыми клиентами", NULL };
static const char *const finance_titles[] = {
  "Главный бухгалтер", "Бухгалтер", "Бухгалтер по расчётам с поставщиками", "Финансовый аналитик", NULL };
static const char *const it_titles[] = {
  "Руководитель ИТ", "Системный администратор", "Инженер поддержки", "Разработчик 1С",
  "DevOps-инженер", "Специалист по информационной безопасности", NULL };
static const char *const support_titles[] = {
  "Руководитель службы поддержки", "Специалист поддержки", "Старший специалист поддержки",
  "Оператор колл-центра", NULL };
static const char *const marketing_titles[] = {
  "Директор по маркетингу", "Маркетолог", "SMM-менеджер", "Дизайнер", "Контент-менеджер", NULL };
static const char *const legal_titles[] = {
  "Руководитель юридического отдела", "Юрист", "Помощник юриста", NULL };
static const char *const hr_titles[] = {
  "HR-директор", "Менеджер по персоналу", "Рекрутер", NULL };
static const char *const logistics_titles[] = {
  "Начальник отдела логистики", "Логист", "Кладовщик", "Водитель-экспедитор", "Менеджер по закупкам", NULL };
static const char *const board_titles[] = {
  "Генеральный директор", "Заместитель генерального директора", "Исполнительный директор",
  "Офис-менеджер", "Помощник руководителя", NULL };
static const char *const intl_titles[] = {
  "Head of International Sales", "Export Manager", "Partner Manager", "Key Account Manager",
  "Business Development Manager", NULL };
static const char *const rnd_titles[] = {
  "Head of R&D", "Software Engineer", "QA Engineer", "Product Manager", "Data Analyst", NULL };

LIST (ZvSeedDepartment, zv_seed_departments,
  { "Продажи", FALSE, sales_titles },
  { "Бухгалтерия", FALSE, finance_titles },
  { "ИТ", FALSE, it_titles },
  { "Поддержка", FALSE, support_titles },
  { "Маркетинг", FALSE, marketing_titles },
  { "Юридический отдел", FALSE, legal_titles },
  { "Персонал", FALSE, hr_titles },
  { "Логистика", FALSE, logistics_titles },
  { "Руководство", FALSE, board_titles },
  { "International Sales", TRUE, intl_titles },
  { "R&D", TRUE, rnd_titles },
);

LIST (ZvSeedCompany, zv_seed_companies,
  { "ООО «Ромашка»", "romashka.example", "+7 495 741-22-10", FALSE, FALSE },
  { "АО «Техснаб»", "tekhsnab.example", "+7 495 688-40-12", FALSE, FALSE },
  { "ООО «СтройМонтаж»", "stroymontazh.example", "+7 812 449-18-30", FALSE, TRUE },
  { "ИП Гордеев", "gordeev.example", "+7 916 204-77-31", FALSE, TRUE },
  { "ООО «Северная логистика»", "sevlog.example", "+7 812 602-55-90", FALSE, TRUE },
  { "ПАО «Уралмаш-Сервис»", "uralmash-service.example", "+7 343 310-02-44", FALSE, FALSE },
  { "Acme Logistics Ltd", "acme-logistics.example", "+44 20 7946 0321", TRUE, FALSE },
  { "Baltic Freight AB", "balticfreight.example", "+46 8 555 012 40", TRUE, TRUE },
  { "Greenfield Retail", "greenfield.example", "+44 20 7946 0877", TRUE, FALSE },
  { "Brightwave Consulting", "brightwave.example", "+1 212 555 0143", TRUE, TRUE },
);

LIST (char *const, zv_seed_project_names,
  "Альбатрос", "Байкал", "Вектор", "Гранит", "Дельта", "Енисей", "Зенит", "Ирбис", "Кедр", "Ладога",
  "Меридиан", "Нева", "Орбита", "Полярис", "Рубин", "Сапсан", "Тайга", "Ураган", "Феникс", "Шторм",
  "Kestrel", "Orion", "Atlas", "Beacon", "Cobalt", "Falcon", "Harbor", "Juniper", "Lighthouse",
  "Meteor", "Nimbus", "Quartz", "Sierra", "Tundra", "Vertex", "Willow",
);

LIST (char *const, zv_seed_group_patterns_ru,
  "Проект «%s»", "%s: запуск", "%s — закупки", "Внедрение %s", "%s / поддержка", "Тендер %s",
  "Рабочая группа %s", "%s: договоры",
);

LIST (char *const, zv_seed_group_patterns_en,
  "%s rollout", "Project %s", "%s pricing", "%s launch team", "%s partners", "%s QA",
);

LIST (ZvSeedTopic, zv_seed_topics_ru,
  { "смета", "смету" }, { "накладная", "накладную" }, { "счёт-фактура", "счёт-фактуру" },
  { "акт сверки", "акт сверки" }, { "спецификация", "спецификацию" }, { "коммерческое предложение", "коммерческое предложение" },
  { "презентация", "презентацию" }, { "доверенность", "доверенность" }, { "заявка на закупку", "заявку на закупку" },
  { "отчёт по продажам", "отчёт по продажам" }, { "прайс-лист", "прайс-лист" }, { "график отпусков", "график отпусков" },
  { "техническое задание", "техническое задание" }, { "служебная записка", "служебную записку" },
  { "платёжка", "платёжку" }, { "дополнительное соглашение", "дополнительное соглашение" },
  { "товарная накладная", "товарную накладную" }, { "заявка на пропуск", "заявку на пропуск" },
  { "инструкция", "инструкцию" }, { "резервная копия", "резервную копию" }, { "лицензия", "лицензию" },
  { "анкета", "анкету" }, { "претензия", "претензию" }, { "гарантийное письмо", "гарантийное письмо" },
  { "протокол разногласий", "протокол разногласий" }, { "бюджет на квартал", "бюджет на квартал" },
  { "маршрутный лист", "маршрутный лист" }, { "сертификат соответствия", "сертификат соответствия" },
  { "пропуск на склад", "пропуск на склад" }, { "визитка", "визитку" }, { "выгрузка из 1С", "выгрузку из 1С" },
  { "карточка клиента", "карточку клиента" }, { "рекламация", "рекламацию" }, { "тендерная документация", "тендерную документацию" },
);

LIST (char *const, zv_seed_things_en,
  "quote", "invoice", "purchase order", "price list", "shipping label", "delivery note", "slide deck",
  "release notes", "test plan", "budget draft", "NDA", "statement of work", "proforma", "customs form",
  "warehouse report", "onboarding checklist", "roadmap", "API key", "VPN config", "backup",
  "license renewal", "support ticket", "sales forecast", "credit note", "packing list", "spec sheet",
  "demo account", "pull request", "build", "dashboard", "survey results", "travel request",
);

LIST (char *const, zv_seed_cities,
  "Москва", "Санкт-Петербург", "Казань", "Екатеринбург", "Новосибирск", "Нижний Новгород", "Самара",
  "Краснодар", "Тверь", "Ярославль", "London", "Manchester", "Stockholm", "Helsinki", "Riga", "Berlin",
);

LIST (char *const, zv_seed_emoji,
  "🙂", "👍", "🙏", "😅", "🔥", "✅", "😊", "👌", "🤝", "📎", "⏰", "🎉", "☕", "😉", "🚚", "📞",
);

LIST (char *const, zv_seed_reactions,
  "👍", "👍", "👍", "❤️", "😂", "🔥", "✅", "👀", "🙏", "🎉",
);

LIST (char *const, zv_seed_ru_greetings,
  "Привет!", "Добрый день!", "Коллеги, привет.", "{name}, привет!", "Доброе утро!", "Здравствуйте!",
  "{name}, добрый день.", "Всем привет 👋", "Коллеги,", "{name},",
);

LIST (char *const, zv_seed_ru_openers,
  "Пришлите, пожалуйста, договор {contract} до {date}.",
  "Где последняя версия договора {contract}? Юристы ждут.",
  "Договор {contract} подписан, оригиналы отправили курьером.",
  "Клиент {client} просит продлить договор ещё на год.",
  "По договору {contract} есть замечания, посмотрите {topic_acc}.",
  "Счёт {invoice} на {amount} ₽ оплачен?",
  "Выставила счёт {invoice} для {client}, сумма {amount} ₽.",
  "Оплата по счёту {invoice} пришла сегодня утром.",
  "Кто-нибудь видел {topic_acc} по проекту «{project}»?",
  "Нужна {topic} для {client} до конца недели.",
  "Готово: {topic}, лежит в общей папке.",
  "Подготовьте, пожалуйста, {topic_acc} к встрече в {day}.",
  "Перезвоните клиенту по номеру {phone}, он ждёт.",
  "Мой мобильный {phone}, если срочно.",
  "Клиент оставил номер {phone}, просит перезвонить после {time}.",
  "Звонил {client}, спрашивали про сроки поставки.",
  "Встреча с {client} переносится на {date}, {time}.",
  "Созвон по проекту «{project}» в {time}, ссылка в календаре.",
  "Напоминаю: планёрка сегодня в {time}.",
  "Завтра меня не будет, по срочным вопросам замещает {name}.",
  "Я в отпуске с {date}, замещает {name}.",
  "Отгрузка (направление {city}) задерживается на два дня, водитель на трассе.",
  "Машина на склад приедет в {time}, встретьте, пожалуйста.",
  "Заявка {ticket}: у бухгалтерии не запускается 1С.",
  "Заведите, пожалуйста, пропуск для гостя на {date}.",
  "Не работает принтер на третьем этаже 😅",
  "VPN снова отваливается, кто-то ещё замечал?",
  "Обновление сервера в субботу с 10:00 до 14:00, почта будет недоступна.",
  "Пароль от Wi-Fi для гостей поменяли, новый у администратора.",
  "Сколько осталось на складе позиции {sku}?",
  "Позиция {sku} закончилась, поставщик обещает к {date}.",
  "Утвердите, пожалуйста, бюджет на рекламу: {amount} ₽.",
  "Отчёт по продажам за месяц готов: рост 12 % к прошлому.",
  "Кто отвечает за {topic_acc} для {client}?",
  "Нужно согласовать {topic_acc} до обеда, иначе не успеем.",
  "Юристы вернули договор {contract} с правками, см. протокол разногласий.",
  "Новый сотрудник выходит в {day}, подготовьте ноутбук и почту.",
  "В {day} корпоратив, не забудьте отметиться в опросе 🎉",
  "Кофемашина на кухне опять сломалась ☕",
  "Тендер «{project}»: заявки принимают до {date}.",
  "Клиент {client} жалуется на качество упаковки, разберёмся?",
  "Поставщик поднял цены на 7 % с {date}.",
  "Проверьте, пожалуйста, реквизиты в счёте {invoice}, кажется ИНН не тот.",
  "Командировка: {city}, с {date}, билеты купила.",
  "Можно перенести созвон на {time}?",
  "Кто сегодня дежурит по поддержке?",
  "У {client} горит внедрение, нужна помощь ИТ.",
  "Кодовое слово для проекта — «{project}», внешним не говорим.",
  "Почта {email} не принимает письма, проверьте, пожалуйста.",
  "Мой добавочный {ext}, звоните.",
  "Сделал выгрузку: {num} строк, всё сходится.",
  "Акт сверки с {client} подписан, расхождений нет.",
  "Пришла претензия от {client}, срок ответа 10 дней.",
  "Отгрузили {num} коробок, город {city}, трек-номер пришлю позже.",
  "Сколько стоит доставка, город {city}?",
  "Подскажите контакт бухгалтера у {client}?",
  "Обновил прайс-лист, цены действуют с {date}.",
);

LIST (char *const, zv_seed_ru_replies,
  "Да, сейчас посмотрю.", "Ок, принято 👍", "Спасибо!", "Готово.", "Отправил.", "Отправила.",
  "Посмотрю после обеда.", "Уже в работе.", "Не вижу, перешлите ещё раз?", "Договорились.",
  "Да, всё верно.", "Нет, там другая сумма: {amount} ₽.", "Перезвоню через 10 минут.",
  "Сейчас на встрече, отвечу позже.", "Согласовано.", "Подписала, забирайте.",
  "{name}, подскажешь? Я не в курсе.", "Можно до {date}?", "Хорошо, к {time} успею.",
  "Номер клиента {phone}, звоните ему напрямую.", "Там опечатка в договоре {contract}, поправлю.",
  "Оплатили, платёжка у бухгалтерии.", "Отлично, спасибо за быструю реакцию!", "Понял, займусь.",
  "А кто это согласовывал?", "Давайте обсудим на планёрке.", "Ок", "Да", "Спасибо 🙏",
  "Принято.", "Конечно.", "Сделаю сегодня.", "Напомните завтра, пожалуйста.", "Уже отправили, город {city}.",
  "Клиент подтвердил, ждём оплату.", "Есть, спасибо!", "👍", "Супер 🔥", "Угу.", "Хорошо.",
);

LIST (char *const, zv_seed_ru_file_texts,
  "Отправляю {topic_acc}.", "Скан договора {contract} во вложении.", "Вот файл.", "Во вложении.",
  "Счёт {invoice} во вложении.", "Фото с объекта.", "Лог с сервера, посмотрите.", "",
);

LIST (char *const, zv_seed_en_greetings,
  "Hi!", "Hi all,", "Morning!", "Hello {name},", "Hey {name}!", "Good afternoon,", "Hi team 👋",
  "{name},",
);

LIST (char *const, zv_seed_en_openers,
  "Could you send me the contract {contract} by {date}?",
  "The contract {contract} is signed, originals go out by courier today.",
  "{client} want to extend the contract for another year.",
  "Legal have comments on contract {contract}, see the redline.",
  "Has invoice {invoice} been paid? It's for {amount} EUR.",
  "Invoice {invoice} sent to {client}, net 30.",
  "Payment for invoice {invoice} arrived this morning.",
  "Does anyone have the latest {thing} for {project}?",
  "I need the {thing} for {client} before Friday.",
  "The {thing} is ready, it's in the shared drive.",
  "Please call the client back on {phone}, they're waiting.",
  "My mobile is {phone} if it's urgent.",
  "{client} called about the delivery dates.",
  "The meeting with {client} moved to {date} at {time}.",
  "Standup for {project} at {time}, link in the calendar.",
  "Reminder: all-hands today at {time}.",
  "I'm out tomorrow, ping {name} for anything urgent.",
  "Shipment to {city} is delayed by two days.",
  "Ticket {ticket}: the build server is down again.",
  "Can someone approve the {thing}? It's blocking the release.",
  "How many units of {sku} do we have left?",
  "{sku} is out of stock, supplier says {date}.",
  "Sales report for the month is up: +12% vs last month.",
  "Who owns the {thing} for {client}?",
  "New starter on {day}, please prepare a laptop and an account.",
  "Can we move the call to {time}?",
  "Who's on support duty today?",
  "The code word for this deal is {project}, keep it internal.",
  "{email} is bouncing, can IT have a look?",
  "My extension is {ext}.",
  "Exported {num} rows, all totals match.",
  "What's the shipping cost to {city}?",
  "Pricing for {project} is approved, we can send the quote.",
  "Flying to {city} on {date}, back on Friday.",
  "Is the NDA with {client} signed yet?",
  "The demo for {client} went well, they want a pilot 🎉",
  "Heads up: the VPN certificate expires on {date}.",
  "Any update on the {thing}?",
);

LIST (char *const, zv_seed_en_replies,
  "Sure, on it.", "Thanks!", "Done.", "Sent.", "Will check after lunch.", "Already working on it.",
  "Can you resend it?", "Agreed.", "Yes, that's right.", "No, the amount is {amount} EUR.",
  "I'll call back in 10 minutes.", "In a meeting, will reply later.", "Approved.",
  "Let me check with {name}.", "Can it wait until {date}?", "OK, I'll have it by {time}.",
  "Their number is {phone}.", "There's a typo in contract {contract}, fixing it.", "Paid.",
  "Great, thanks for the quick turnaround!", "Got it.", "Who signed this off?", "Let's discuss at standup.",
  "ok", "thanks 🙏", "👍", "Perfect.", "Will do today.", "Noted.", "Nice 🔥", "Sounds good.",
);

LIST (char *const, zv_seed_en_file_texts,
  "Attached the {thing}.", "Scan of contract {contract} attached.", "Here you go.", "See attached.",
  "Invoice {invoice} attached.", "Logs from the server.", "",
);

LIST (char *const, zv_seed_ru_file_names,
  "Договор_%s.pdf", "Счёт_%s.pdf", "Спецификация_%s.csv", "Акт_сверки_%s.pdf", "Фото_%s.png",
  "Смета_%s.csv", "Отчёт_%s.txt",
);

LIST (char *const, zv_seed_en_file_names,
  "contract_%s.pdf", "invoice_%s.pdf", "price_list_%s.csv", "screenshot_%s.png", "server_%s.log",
  "notes_%s.txt",
);

LIST (char *const, zv_seed_call_outcomes_ru,
  "Договорились о встрече", "Перезвонить", "Отправить КП", "Вопрос решён", "Не заинтересован",
  "Передано в поддержку",
);

LIST (char *const, zv_seed_call_notes_ru,
  "Клиент просит скидку 5 %, обсудить с руководителем.",
  "Интересуются поставкой в регионы, нужен расчёт доставки.",
  "Жалоба на сроки, извинились, обещали компенсацию.",
  "Перезвонить в понедельник после 11:00.",
  "Уточнили реквизиты, счёт выставлен.",
  "",
);
