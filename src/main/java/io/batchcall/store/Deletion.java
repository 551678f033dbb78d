package io.batchcall.store;

/** How a delete of an object that batches may depend on ended. */
public enum Deletion {
    DELETED,
    NOT_FOUND,
    /** A pending or in-progress batch uses the object; nothing changed. */
    IN_USE_BY_ACTIVE_BATCH
}
