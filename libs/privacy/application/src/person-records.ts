import { DomainError, everyEvent, streamCategory, type EventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { contactPointForm, matchKey } from '@crm/shared/kernel';
import { ERASED, partyContactPoints } from '@crm/shared/personal-data';
import { DATA_SUBJECT_REFUSALS, RECORD_SUBJECT_TYPES, type DataSubject } from '@crm/privacy/domain';

type Data = Record<string, unknown>;
const record = (value: unknown): Data | undefined => (typeof value === 'object' && value !== null ? (value as Data) : undefined);

/** The events of a lead's or contact's own stream that give the person's full name (`fullName`, in `changes` or `contact`). */
const PERSON_NAMING: ReadonlySet<string> = new Set(['LeadCaptured', 'LeadUpdated', 'LeadQualified', 'ContactCreated', 'ContactUpdated']);

/** The events that can name a person as the maker or subject of another record, or open a deal of their account. */
const REFERRING_TYPES = [
  'OpportunityOpened',
  'QuoteCreated',
  'ComplaintReceived',
  'FeedbackSubmitted',
  'SurveyResponseRecorded',
  'ActivityScheduled',
  'InteractionLogged',
  'CampaignResponseRecorded',
  'MarketingListMembersAdded',
  'MarketingListMembersRemoved',
] as const;

/**
 * Records made by the person (a complaint they filed) or about them or a record of theirs (a call logged regarding
 * them, or regarding their account's deal): all theirs to erase.
 */
const OWNED_BY_REFERENCE = new Set(['complaint', 'feedback', 'survey-response', 'activity', 'interaction']);

/** Where a record names the person who made it: `{ contactId }`, `{ accountId }` or, not on file, `{ name, phone?, email? }`. */
const MAKER: Readonly<Record<string, { readonly type: string; readonly field: string }>> = {
  complaint: { type: 'ComplaintReceived', field: 'complainant' },
  feedback: { type: 'FeedbackSubmitted', field: 'from' },
  'survey-response': { type: 'SurveyResponseRecorded', field: 'respondent' },
};

export interface PersonRecords {
  /** The person as leads and contacts: the one asked about and the records qualification linked to it. */
  readonly identities: readonly DataSubject[];
  /** Streams whose personal fields are the person's: their keys are what erasure destroys. */
  readonly owned: readonly string[];
  /** Events of shared records that name the person (a campaign response, a list membership): shown on access, not erased. */
  readonly mentions: readonly RecordedEvent[];
  /** The emails and phones the person's lead or contact held ('email:…', 'phone:…'), while their keys still open them. */
  readonly contactKeys: readonly string[];
  /**
   * Accounts the person's qualifications opened for a company (`company` or `accountName`, not the person's name),
   * judged while the qualification's names still read in clear: never theirs, whatever a later listing reads.
   */
  readonly companyAccounts: readonly string[];
  /** The person's names (of their leads and contacts), read while their keys open them: personal, sealed when recorded. */
  readonly names: readonly string[];
}

/** What an erasure's first listing found, for its second one after the fence (the person's keys may be gone by then). */
export interface EarlierListing {
  /**
   * The person's values gathered: an account named after them by a qualification that landed while the erasure ran
   * reads as ERASED in the lead (whose key is gone) but has a key of its own; its own name among these makes it theirs.
   */
  readonly values: ReadonlySet<string>;
  /** Their emails and phones: a complaint someone not on file made with one of them meanwhile is theirs too. */
  readonly contactKeys: readonly string[];
  /**
   * The records it listed: a complaint it found by the person's phone reads [erased] once its key is gone, so a call
   * logged about it meanwhile is found by the complaint's id alone.
   */
  readonly owned: readonly string[];
  /**
   * The accounts it judged a company's (PersonRecords.companyAccounts): once the lead's key is gone, the qualification
   * reads the account's name and the person's alike ([erased]), and a company's account named with the lead's
   * `company` (one of `values`) would read as theirs (an outside probe: a company's account erased with the person).
   */
  readonly companyAccounts?: readonly string[];
  /**
   * The person's names it read: an account bearing one of them is theirs. Absent (a listing recorded before names
   * were kept): every value of theirs is taken as a name.
   */
  readonly names?: ReadonlySet<string>;
}

/**
 * Everything recorded about a person, found from the log: their lead and the
 * contact it was qualified into (or the other way round), the complaints,
 * feedback and survey answers they made, the activities and interactions
 * regarding them or those records, and the shared records that mention them.
 */
export async function findPersonRecords(
  store: EventStore,
  tenantId: string,
  subject: DataSubject,
  /** An erasure's second listing, after the fence: what its first one found. */
  earlier?: EarlierListing,
): Promise<PersonRecords | undefined> {
  if (RECORD_SUBJECT_TYPES.includes(subject.type)) return findRecordMaker(store, tenantId, subject, earlier);
  const identities = new Map<string, DataSubject>();
  // Every email and phone the person's lead or contact held ('email:…', 'phone:…'): what dedupe matches them by.
  const contactKeys = new Set<string>(earlier?.contactKeys);
  // An account opened for a lead without a company bears the person's name: it is theirs too.
  const accounts = new Set<string>();
  // One opened for a company is not, whatever its name reads as later.
  const companyAccounts = new Set<string>(earlier?.companyAccounts);
  // Their names (of their leads and contacts), read while the keys open them, with those an earlier listing read.
  const personNames = new Set<string>(earlier?.names);
  // As dedupe compares names (matchKey: ي and ی, spacing, case alike): an account named in another spelling is theirs too.
  const bearsTheirName = (name: unknown): boolean =>
    typeof name === 'string' && name !== ERASED && [...personNames].some((own) => matchKey(own) === matchKey(name));
  // Leads qualified into a contact already on file (a returning customer's later lead): the same person as that contact.
  const leadsOfContact = await leadsQualifiedIntoExistingContacts(store, tenantId);
  const own = async (who: DataSubject): Promise<void> => {
    const key = `${who.type}-${who.id}`;
    if (identities.has(key)) return;
    const events = await store.readStream(key, { tenantId });
    if (events.length === 0) return;
    identities.set(key, who);
    for (const event of events) {
      const data = event.data as Data;
      // The person's names, as their own records give them while their keys open them.
      const fullName = data['fullName'] ?? record(data['changes'])?.['fullName'] ?? record(data['contact'])?.['fullName'];
      if (typeof fullName === 'string' && fullName !== ERASED && PERSON_NAMING.has(event.type)) personNames.add(fullName);
      if (Array.isArray(data['matchKeys'])) {
        for (const key of data['matchKeys']) if (typeof key === 'string') contactKeys.add(contactPointForm(key));
      }
      if (event.type === 'LeadQualified') {
        // A qualified lead became a contact, new or one on file: the same person.
        const contact = record(data['contact']);
        if (contact && typeof contact['contactId'] === 'string') await own({ type: 'contact', id: contact['contactId'] });
        const account = record(data['account']);
        const accountStream = `account-${String(account?.['accountId'])}`;
        if (account && contact && account['existing'] !== true && contact['fullName'] !== ERASED) {
          // Read in clear (both names are sealed with the lead): named after the person (no company and no accountName,
          // or either of them their own name), or for a company, whatever its name reads as later.
          if (bearsTheirName(account['name'])) accounts.add(accountStream);
          else companyAccounts.add(accountStream);
        } else if (account && contact && account['existing'] !== true && !companyAccounts.has(accountStream)) {
          // Both read ERASED once the lead's key is gone (a retry after a crash mid-erasure, or the listing after the
          // fence), and compare equal: the account is theirs if its own name is erased too (an erasure destroys such an
          // account's key before the lead's, `erasureOrder`), or bears one of their names (a qualification that landed
          // after the first listing: its account has a key of its own), unless a listing that read the names in clear
          // judged it a company's. Their names, not every value of theirs: the lead's company is one of those (an
          // outside probe: a company's account was erased with the person).
          if (
            (await nameErased(store, tenantId, accountStream)) ||
            (earlier !== undefined && (await namedAmong(store, tenantId, accountStream, earlier.names ?? earlier.values)))
          )
            accounts.add(accountStream);
        }
      }
      if (event.type === 'ContactCreated' && typeof data['originLeadId'] === 'string')
        await own({ type: 'lead', id: data['originLeadId'] });
    }
    if (who.type === 'contact') for (const leadId of leadsOfContact.get(who.id) ?? []) await own({ type: 'lead', id: leadId });
  };
  await own(subject);
  if (!identities.has(`${subject.type}-${subject.id}`)) return undefined;

  const leads = new Set([...identities.values()].filter((s) => s.type === 'lead').map((s) => s.id));
  const contacts = new Set([...identities.values()].filter((s) => s.type === 'contact').map((s) => s.id));
  const owned = new Set([...identities.keys(), ...accounts, ...(earlier?.owned ?? [])]);
  // Made by the person as a contact, or by the account named after them.
  const names = (party: unknown): boolean => {
    const p = record(party);
    if (p === undefined) return false;
    return (
      (typeof p['contactId'] === 'string' && contacts.has(p['contactId'])) ||
      (typeof p['accountId'] === 'string' && owned.has(`account-${p['accountId']}`))
    );
  };
  // About the person, or about a record of theirs found earlier in the log (a call back about the complaint they
  // filed, a visit about their account or its deal).
  const about = (target: unknown): boolean => {
    const t = record(target);
    if (!t || typeof t['id'] !== 'string' || typeof t['type'] !== 'string') return false;
    return (
      (t['type'] === 'lead' && leads.has(t['id'])) ||
      (t['type'] === 'contact' && contacts.has(t['id'])) ||
      owned.has(`${t['type']}-${t['id']}`)
    );
  };
  // Made by someone not on file with one of the person's emails or phones (a complaint phoned in before they were a
  // lead): the same person, as dedupe takes them.
  const sameContact = (party: unknown): boolean => partyContactPoints(party).some((key) => contactKeys.has(key));
  const people = new Set([...leads, ...contacts]);
  const mentions: RecordedEvent[] = [];
  for await (const event of everyEvent(store, { filter: { tenantId, eventTypes: REFERRING_TYPES } })) {
    const data = event.data as Data;
    const category = streamCategory(event.streamId);
    const maker = MAKER[category];
    // The deals of the account named after them, and those deals' quotes: their records (no personal field of their
    // own, but what is logged about them is about the person).
    if (event.type === 'OpportunityOpened' || event.type === 'QuoteCreated') {
      const parent =
        event.type === 'OpportunityOpened' ? `account-${String(data['accountId'])}` : `opportunity-${String(data['opportunityId'])}`;
      if (owned.has(parent)) owned.add(event.streamId);
      continue;
    }
    const mine =
      names(data['complainant']) ||
      names(data['from']) ||
      names(data['respondent']) ||
      about(data['regarding']) ||
      about(data['targetId']) ||
      // A complaint, feedback or survey answer someone else made, related to the person or a record of theirs.
      about(data['relatedTo']) ||
      (maker?.type === event.type && sameContact(data[maker.field]));
    if (mine && OWNED_BY_REFERENCE.has(category)) owned.add(event.streamId);
    else if (mine) mentions.push(event);
    else if (Array.isArray(data['memberIds']) && data['memberIds'].some((id) => people.has(id as string))) {
      // A list change naming them among others: shown with their own ids only, not the other members'.
      mentions.push({
        ...event,
        data: { ...data, memberIds: data['memberIds'].filter((id) => people.has(id as string)) },
      } as RecordedEvent);
    }
  }
  return {
    identities: [...identities.values()],
    owned: [...owned],
    mentions,
    contactKeys: [...contactKeys],
    companyAccounts: [...companyAccounts],
    names: [...personNames],
  };
}

/** Contact id → the leads qualified into it while it was on file already. */
async function leadsQualifiedIntoExistingContacts(store: EventStore, tenantId: string): Promise<Map<string, string[]>> {
  const links = new Map<string, string[]>();
  for await (const event of everyEvent(store, { filter: { tenantId, eventTypes: ['LeadQualified'] } })) {
    const data = event.data as Data;
    const contact = record(data['contact']);
    if (contact?.['existing'] === true && typeof contact['contactId'] === 'string' && typeof data['leadId'] === 'string') {
      links.set(contact['contactId'], [...(links.get(contact['contactId']) ?? []), data['leadId']]);
    }
  }
  return links;
}

/** Whether an account's opening names it with one of `values` (read with its own key), spelt as dedupe compares names. */
async function namedAmong(store: EventStore, tenantId: string, accountStream: string, values: ReadonlySet<string>): Promise<boolean> {
  const [opened] = await store.readStream(accountStream, { tenantId, maxCount: 1 });
  const name = (opened?.data as Data | undefined)?.['name'];
  if (opened?.type !== 'AccountOpened' || typeof name !== 'string' || name === ERASED) return false;
  const key = matchKey(name);
  return [...values].some((value) => matchKey(value) === key);
}

/** Whether an account's opening reads its name as ERASED: its key is gone. */
async function nameErased(store: EventStore, tenantId: string, accountStream: string): Promise<boolean> {
  const [opened] = await store.readStream(accountStream, { tenantId, maxCount: 1 });
  return opened?.type === 'AccountOpened' && (opened.data as Data)['name'] === ERASED;
}

/**
 * The order an erasure destroys the records' keys in: the person's lead and contact last. A retry after a crash
 * part-way (keys gone, no record yet) finds the records again from those two; an account named after the person,
 * whose key went first, is then recognised by its own erased name (`findPersonRecords`), and a company's account,
 * whose key this erasure never destroys, by its name in clear.
 */
export function erasureOrder(records: PersonRecords): string[] {
  const identities = new Set(records.identities.map((who) => `${who.type}-${who.id}`));
  return [...records.owned.filter((stream) => !identities.has(stream)), ...records.owned.filter((stream) => identities.has(stream))];
}

/**
 * Someone on file as neither lead nor contact, named by a record they made (a complaint from
 * `{ name, phone }`): that record, sealed under its own key, the other records made by someone not
 * on file with the same email or phone (the same person, as dedupe takes them), and for a complaint
 * the activities and interactions regarding it (a call back to the complainant). A record whose
 * maker is on file is refused: the person is erased (or asked about) as that contact.
 */
async function findRecordMaker(
  store: EventStore,
  tenantId: string,
  subject: DataSubject,
  earlier?: EarlierListing,
): Promise<PersonRecords | undefined> {
  const streamId = `${subject.type}-${subject.id}`;
  const events = await store.readStream(streamId, { tenantId });
  const maker = MAKER[subject.type];
  const made = maker && events.find((event) => event.type === maker.type);
  if (!maker || !made) return undefined;
  const party = record((made.data as Data)[maker.field]);
  if (party && (typeof party['contactId'] === 'string' || typeof party['accountId'] === 'string')) {
    throw new DomainError(DATA_SUBJECT_REFUSALS.ON_FILE, `The maker of ${streamId} is on file`, {
      subject,
      ...(typeof party['contactId'] === 'string' ? { contactId: party['contactId'] } : { accountId: party['accountId'] }),
    });
  }
  // In an erasure's second listing the record's key is gone: its email and phone are the first listing's.
  const contactKeys = [...new Set([...partyContactPoints(party), ...(earlier?.contactKeys ?? [])])];
  // In a second listing, what the first found (their keys gone, the others' phones read [erased] now).
  const owned = new Set([streamId, ...(earlier?.owned ?? [])]);
  const makerTypes = contactKeys.length === 0 ? [] : Object.values(MAKER).map((m) => m.type);
  const eventTypes = [...makerTypes, 'ActivityScheduled', 'InteractionLogged'];
  for await (const event of everyEvent(store, { filter: { tenantId, eventTypes } })) {
    const data = event.data as Data;
    const other = MAKER[streamCategory(event.streamId)];
    if (other?.type === event.type) {
      if (partyContactPoints(data[other.field]).some((key) => contactKeys.includes(key))) owned.add(event.streamId);
      continue;
    }
    const regarding = record(data['regarding']);
    if (regarding?.['type'] === 'complaint' && owned.has(`complaint-${String(regarding['id'])}`)) owned.add(event.streamId);
  }
  return { identities: [subject], owned: [...owned], mentions: [], contactKeys, companyAccounts: [], names: [] };
}
