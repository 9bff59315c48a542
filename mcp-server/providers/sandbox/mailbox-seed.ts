/**
 * What a new user finds in their sandbox mailbox: a believable working week at a car dealer
 * (customers, colleagues, a manufacturer, a newsletter). Times are relative to first use so the
 * mailbox always looks current; `thread` ties replies together.
 */
export interface SeedMessage {
  thread: string;
  hoursAgo: number;
  from: string;
  cc?: string[];
  subject: string;
  body: (name: string) => string;
  labels: string[];
  hasAttachment?: boolean;
}

export const mailboxSeed: readonly SeedMessage[] = [
  {
    thread: "t1",
    hoursAgo: 2,
    from: "Priya Shah <priya.shah@example.com>",
    subject: "Test drive on Saturday - Aurora EV",
    body: (name) =>
      `Hi ${name},\n\nI'd like to test drive the Aurora EV Plus this Saturday morning, ideally around 10:00. I currently drive a 2018 Kestrel and would like a part exchange valuation as well.\n\nMy mobile is +447911123456.\n\nThanks,\nPriya`,
    labels: ["INBOX", "UNREAD", "IMPORTANT"],
  },
  {
    thread: "t2",
    hoursAgo: 5,
    from: "Service Desk <service@contoso-motors.example>",
    subject: "Workshop schedule for tomorrow",
    body: () =>
      "Morning all,\n\nTomorrow's workshop schedule is attached. Two MOTs were moved to the afternoon because the ramp in bay 3 is being inspected. The Kestrel recall updates are booked from 08:00.\n\nService Desk",
    labels: ["INBOX", "UNREAD"],
    hasAttachment: true,
  },
  {
    thread: "t3",
    hoursAgo: 26,
    from: "Tom Becker <tom.becker@example.org>",
    subject: "Re: Finance quote for the Solace PHEV",
    body: (name) =>
      `Hello ${name},\n\nThanks for the PCP quote. Could you also send me a Hire Purchase option over 48 months with a 5,000 pound deposit? I would like to compare before the weekend.\n\nBest regards,\nTom Becker`,
    labels: ["INBOX", "STARRED"],
  },
  {
    thread: "t4",
    hoursAgo: 30,
    from: "Fleet Team <fleet@contoso-motors.example>",
    cc: ["sales-managers@contoso-motors.example"],
    subject: "Northwind Traders fleet renewal - 12 vehicles",
    body: () =>
      "Hi,\n\nNorthwind Traders want to renew 12 company cars in Q3, mostly plug-in hybrids, on a salary sacrifice scheme. Can you prepare availability for the Solace PHEV and the Aurora EV by Friday?\n\nFleet Team",
    labels: ["INBOX", "IMPORTANT"],
  },
  {
    thread: "t5",
    hoursAgo: 50,
    from: "Manufacturer Updates <updates@aurora-automotive.example>",
    subject: "Aurora EV price change effective Monday",
    body: () =>
      "Dear partner,\n\nThe list price of every Aurora EV trim falls by 2,000 pounds from Monday. Orders placed in the previous 30 days qualify for the lower price. Updated price lists are attached.\n\nAurora Automotive Retail Support",
    labels: ["INBOX"],
    hasAttachment: true,
  },
  {
    thread: "t6",
    hoursAgo: 72,
    from: "Lena Novak <lena.novak@example.net>",
    subject: "Complaint: car not ready at agreed time",
    body: (name) =>
      `Dear ${name},\n\nI was told my car would be ready after its service at 4pm on Tuesday but I waited until 6:15pm. I would like an explanation and a refund of the taxi fare I had to pay.\n\nRegards,\nLena Novak`,
    labels: ["INBOX", "UNREAD", "IMPORTANT"],
  },
  {
    thread: "t7",
    hoursAgo: 96,
    from: "Motor Retail Weekly <newsletter@motorretail.example>",
    subject: "This week: used EV prices, clean air zones, dealer awards",
    body: () =>
      "Used electric car prices stabilised this month after a year of falls. Three more cities announced clean air zones. Nominations for the dealer group of the year award close on Friday.",
    labels: ["INBOX", "CATEGORY_PROMOTIONS"],
  },
  {
    thread: "t3",
    hoursAgo: 120,
    from: "Tom Becker <tom.becker@example.org>",
    subject: "Finance quote for the Solace PHEV",
    body: () =>
      "Hi,\n\nCould I get a PCP quote for the Solace PHEV estate in grey? 10,000 miles a year.\n\nTom",
    labels: ["INBOX"],
  },
];
