"""A labelled retrieval set: short company documents, and questions as people ask them - mostly
in other words than the answer's, plus a few identifiers pasted as they are (where words
matter more than meaning).

Each query names the documents that answer it. Written by hand for this bench; the documents
are fiction about a freight company, like the demo's sample corpus.
"""

DOCUMENTS = {
    "hr/vacation.md": "Employee vacation policy. Every employee receives 28 paid holidays per "
    "calendar year. Holidays are requested in the HR portal two weeks ahead and approved by the "
    "manager.",
    "hr/carry-over.md": "Unused holiday days. Up to five days move into the next year and must "
    "be taken by 31 March; the rest lapse.",
    "hr/sick-days.md": "Illness. If you cannot work because you are ill, tell your manager before "
    "9:00. From the fourth day a doctor's certificate is required.",
    "hr/parental.md": "Parents. Mothers and fathers may take up to 16 weeks after a birth or an "
    "adoption, paid at 80% of salary, and return to the same role.",
    "hr/payroll.md": "Salary payments. Wages are transferred on the 25th of each month; payslips "
    "appear in the HR portal two days earlier.",
    "hr/expenses.md": "Expense claims. Submit receipts within 30 days in the finance app; meals "
    "on business trips are reimbursed up to EUR 45 a day.",
    "hr/remote.md": "Working from home. Office roles may work remotely up to three days a week "
    "with a company laptop; warehouse roles are on site.",
    "hr/onboarding.md": "First week for newcomers. Collect your badge and laptop from IT on day "
    "one and shadow a dispatcher for one shift.",
    "hr/training.md": "Learning budget. Each person has EUR 1,200 a year for courses, books and "
    "conferences, agreed with their manager.",
    "hr/pension.md": "Retirement savings. The company adds 6% of gross salary to a pension "
    "fund; you may add more through salary sacrifice.",
    "hr/notice.md": "Resignation. After probation the notice period is two months, in writing to "
    "People Operations, ending at the end of a month.",
    "hr/harassment.md": "Respect at work. Bullying and harassment are reported to the "
    "confidential counsellor; every report is investigated within ten days.",
    "it/password.md": "Account credentials. Passwords have at least 14 characters and are "
    "changed only when a compromise is suspected; use the password manager.",
    "it/mfa.md": "Second factor. Every account signs in with an authenticator app or a hardware "
    "key in addition to the password.",
    "it/vpn.md": "VPN. Outside the office, connect through the company VPN client before opening "
    "internal systems.",
    "it/laptop-lost.md": "Lost or stolen devices. Call the IT helpdesk at once; the device is "
    "wiped remotely and a replacement issued the next day.",
    "it/phishing.md": "Suspicious e-mail. Do not click links in unexpected messages; forward them "
    "with the report button so security can block the sender.",
    "it/printer.md": "Printing. Printers on every floor release jobs when you tap your badge; "
    "colour printing needs a cost centre.",
    "it/software.md": "Installing programs. Only software from the company catalogue may be "
    "installed; request anything else through a ticket.",
    "it/backup.md": "Data copies. File shares are copied every night and kept for 90 days; "
    "laptops sync documents to the cloud drive.",
    "it/wifi.md": "Wireless network. Staff devices use the KESTREL network; guests get a daily "
    "code from reception.",
    "fin/invoices.md": "Supplier invoices. Invoices are paid within 30 days of receipt once the "
    "purchase order and goods receipt match.",
    "fin/purchase.md": "Buying goods and services. Purchases above EUR 5,000 need three quotes "
    "and a purchase order approved by the budget holder.",
    "fin/travel.md": "Business trips. Book trains for journeys under 500 km; flights need "
    "director approval and economy class.",
    "fin/company-car.md": "Cars. Managers may lease a car up to EUR 600 a month; private use is "
    "taxed as a benefit in kind.",
    "fin/budget.md": "Planning cycle. Department budgets for next year are drafted in September "
    "and approved by the board in November.",
    "fin/credit.md": "Customer credit. New customers get a limit of EUR 20,000 until they have "
    "paid on time for six months.",
    "fin/fx.md": "Currencies. Invoices to customers outside the euro area are issued in EUR; "
    "exchange losses are booked centrally.",
    "ops/maintenance.md": "Fleet servicing. Every truck is inspected every 40,000 kilometres and "
    "before each winter; tyres are replaced at 3 mm tread.",
    "ops/fuel.md": "Diesel cards. Drivers refuel with the fleet card at partner stations; "
    "receipts are matched automatically.",
    "ops/driving-hours.md": "Driver rest. Drivers drive at most 9 hours a day and take a "
    "45-minute break after 4.5 hours, as EU rules require.",
    "ops/accident.md": "Road incidents. After a collision, secure the scene, photograph the "
    "damage and call the dispatch desk before moving the vehicle.",
    "ops/dangerous-goods.md": "Hazardous cargo. Chemicals and batteries travel only with an "
    "ADR-certified driver and orange plates on the truck.",
    "ops/cold-chain.md": "Temperature-controlled freight. Reefer trailers log temperature every "
    "five minutes; food loads stay between 2 and 6 degrees.",
    "ops/customs.md": "Border paperwork. Shipments to the UK and Switzerland need export "
    "declarations filed a day before departure.",
    "ops/warehouse-safety.md": "Forklifts and racking. Only trained operators drive forklifts; "
    "high-visibility vests and safety shoes are worn on the floor.",
    "ops/loading.md": "Loading docks. Trailers are loaded heaviest first over the axles, "
    "strapped, and the seal number recorded.",
    "ops/delays.md": "Late deliveries. When a delivery will be more than two hours late, "
    "dispatch informs the customer and logs the reason.",
    "legal/retention.md": "Keeping records. Invoices are kept for seven years, personnel files "
    "for two years after leaving, then destroyed.",
    "legal/gdpr.md": "Personal data. Customer and staff personal data are processed only for "
    "the purpose collected; requests to see it are answered within a month.",
    "legal/contracts.md": "Signing agreements. Only directors sign contracts; legal reviews any "
    "agreement above EUR 50,000 or longer than a year.",
    "legal/gifts.md": "Presents from suppliers. Gifts worth more than EUR 50 are declined or "
    "declared to compliance.",
    "legal/whistleblowing.md": "Speaking up. Suspected fraud or wrongdoing can be reported "
    "anonymously through the ethics line.",
    "fac/parking.md": "Car park. Spaces are first come first served; electric cars charge free "
    "on the ground floor.",
    "fac/canteen.md": "Lunch. The canteen serves hot meals from 11:30 to 14:00; a vegetarian "
    "option is offered every day.",
    "fac/fire.md": "Evacuation. When the alarm sounds, leave by the nearest stairs and gather at "
    "the assembly point by the gate; never use the lifts.",
    "fac/first-aid.md": "Medical emergencies. First-aid kits and a defibrillator are at "
    "reception; trained first aiders are listed on each floor.",
    "fac/visitors.md": "Guests. Register visitors at reception; they wear a badge and are "
    "accompanied at all times.",
    # Identifiers: what people paste into a search box, and what a sentence embedding barely sees.
    "fin/vendor-v20931.md": "Vendor V-20931 (Dunmore Tyres) supplies winter tyres under framework "
    "agreement FA-2023-114.",
    "ops/route-r17.md": "Route R17 leaves Rotterdam at 22:00 and reaches the Duisburg cross-dock "
    "by 04:30.",
    "it/ticket-kx-4471.md": "Known issue KX-4471: the dispatch app freezes when a trailer has "
    "more than 60 stops; restart it and split the tour.",
    "hr/form-p17.md": "Form P17 records a change of bank account; hand it to payroll before the "
    "15th for the change to apply that month.",
    "ops/depot-dd3.md": "Depot DD3 in Venlo handles reefer trailers and has six charging points "
    "for electric tractors.",
}

# (query, relevant documents)
QUERIES = [
    ("staff leave rules", ["hr/vacation.md", "hr/carry-over.md"]),
    ("how many days off do I get each year", ["hr/vacation.md"]),
    ("can I keep holiday I did not use", ["hr/carry-over.md"]),
    ("what to do when I'm sick", ["hr/sick-days.md"]),
    ("maternity and paternity time", ["hr/parental.md"]),
    ("when do we get paid", ["hr/payroll.md"]),
    ("reimbursement for dinner on a work trip", ["hr/expenses.md", "fin/travel.md"]),
    ("home office rules", ["hr/remote.md"]),
    ("starting at the company", ["hr/onboarding.md"]),
    ("money for courses", ["hr/training.md"]),
    ("pension contributions", ["hr/pension.md"]),
    ("how to quit my job", ["hr/notice.md"]),
    ("report a colleague who intimidates me", ["hr/harassment.md", "legal/whistleblowing.md"]),
    ("password length requirements", ["it/password.md"]),
    ("two-step login", ["it/mfa.md"]),
    ("access internal tools from a hotel", ["it/vpn.md"]),
    ("I left my notebook computer on the train", ["it/laptop-lost.md"]),
    ("strange email asking for my login", ["it/phishing.md"]),
    ("print a document", ["it/printer.md"]),
    ("may I install an app on my computer", ["it/software.md"]),
    ("restore a deleted file from last week", ["it/backup.md"]),
    ("internet access for a visitor", ["it/wifi.md", "fac/visitors.md"]),
    ("when are suppliers paid", ["fin/invoices.md"]),
    ("rules for ordering expensive equipment", ["fin/purchase.md"]),
    ("can I fly to Madrid", ["fin/travel.md"]),
    ("lease vehicle for managers", ["fin/company-car.md"]),
    ("annual budget timeline", ["fin/budget.md"]),
    ("payment terms for a new client", ["fin/credit.md"]),
    ("billing in foreign money", ["fin/fx.md"]),
    ("when is the lorry maintained", ["ops/maintenance.md"]),
    ("filling up the tank", ["ops/fuel.md"]),
    ("how long may a trucker be behind the wheel", ["ops/driving-hours.md"]),
    ("what to do after a crash", ["ops/accident.md"]),
    ("transporting lithium batteries", ["ops/dangerous-goods.md"]),
    ("refrigerated transport of groceries", ["ops/cold-chain.md"]),
    ("shipping goods to Britain", ["ops/customs.md"]),
    ("protective clothing in the warehouse", ["ops/warehouse-safety.md"]),
    ("customer shipment running late", ["ops/delays.md"]),
    ("how long do we store old bills", ["legal/retention.md"]),
    ("privacy of customer information", ["legal/gdpr.md"]),
    ("who can sign a deal", ["legal/contracts.md"]),
    ("a vendor sent me wine", ["legal/gifts.md"]),
    ("anonymous fraud report", ["legal/whistleblowing.md"]),
    ("charging my electric vehicle", ["fac/parking.md"]),
    ("lunch opening hours", ["fac/canteen.md"]),
    ("fire alarm procedure", ["fac/fire.md"]),
    ("someone collapsed in the office", ["fac/first-aid.md"]),
    ("V-20931", ["fin/vendor-v20931.md"]),
    ("R17 departure time", ["ops/route-r17.md"]),
    ("KX-4471", ["it/ticket-kx-4471.md"]),
    ("form P17", ["hr/form-p17.md"]),
    ("DD3 depot", ["ops/depot-dd3.md"]),
]
