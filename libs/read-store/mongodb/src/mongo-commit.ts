import { splitState, type PendingChanges } from '@crm/shared/read-model';
import { BSON, type AnyBulkWriteOperation, type ClientSession, type Collection, type Document } from 'mongodb';
import { DocumentNotStorableError, DocumentTooLargeError } from './mongo-errors';
import type { StoredDocument, StoredState } from './mongo-query';

/** MongoDB's largest document (`maxBsonObjectSize`). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * Writes a unit of work: one ordered bulk write per collection, documents
 * before states. Inside a transaction the order does not matter; without one
 * it means a crash leaves documents ahead of the checkpoint, never behind it,
 * and the positions the documents keep turn the replay into no-ops. Every
 * document is measured first: one over the limit fails the unit of work
 * before anything of it is sent.
 */
export async function writeChanges(
  changes: PendingChanges,
  documents: (collection: string) => Collection<StoredDocument>,
  states: Collection<StoredState>,
  session: ClientSession | undefined,
  maxDocumentBytes = MAX_DOCUMENT_BYTES,
): Promise<void> {
  const byCollection = new Map<string, AnyBulkWriteOperation<StoredDocument>[]>();
  for (const write of changes.documents) {
    const operations = byCollection.get(write.collection) ?? [];
    byCollection.set(write.collection, operations);
    if (write.json === null) {
      operations.push({ deleteOne: { filter: { _id: write.id } } });
      continue;
    }
    const replacement = { p: write.position ?? null, d: JSON.parse(write.json) as Document };
    const bytes = BSON.calculateObjectSize({ _id: write.id, ...replacement });
    if (bytes > maxDocumentBytes) throw new DocumentTooLargeError(write.collection, write.id, bytes, maxDocumentBytes);
    operations.push({ replaceOne: { filter: { _id: write.id }, replacement, upsert: true } });
  }
  for (const [collection, operations] of byCollection) {
    await unstorable(collection, operations, () => documents(collection).bulkWrite(operations, { ordered: true, session }));
  }

  const stateOperations = changes.states.map((write): AnyBulkWriteOperation<StoredState> => {
    if (write.kind === 'delete') return { deleteOne: { filter: { _id: write.name } } };
    if (write.kind === 'checkpoint') {
      return {
        updateOne: {
          filter: { _id: write.name },
          update: { $set: { checkpoint: write.checkpoint }, $setOnInsert: { details: {} } },
          upsert: true,
        },
      };
    }
    const { checkpoint, details } = splitState(write.state);
    return {
      replaceOne: {
        filter: { _id: write.state.name },
        replacement: { checkpoint, details: JSON.parse(details) as Document },
        upsert: true,
      },
    };
  });
  if (stateOperations.length > 0) {
    await unstorable(states.collectionName, stateOperations, () => states.bulkWrite(stateOperations, { ordered: true, session }));
  }
}

/**
 * A bulk write whose documents BSON refuses to serialise (BSONError: by its mark, across realms) as the permanent
 * DocumentNotStorableError, naming the first document that fails alone; any other failure as it is.
 */
async function unstorable<T>(
  collection: string,
  operations: readonly (AnyBulkWriteOperation<StoredDocument> | AnyBulkWriteOperation<StoredState>)[],
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!BSON.BSONError.isBSONError(error)) throw error;
    throw new DocumentNotStorableError(collection, culprit(operations), error);
  }
}

function culprit(operations: readonly object[]): string | undefined {
  for (const operation of operations) {
    const body = Object.values(operation)[0] as { filter?: { _id?: unknown } } | undefined;
    try {
      BSON.serialize(body ?? {});
    } catch {
      return typeof body?.filter?._id === 'string' ? body.filter._id : undefined;
    }
  }
  return undefined;
}
