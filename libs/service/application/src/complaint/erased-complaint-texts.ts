/**
 * The texts a step requires that may be left out once the complaint's personal data is erased (the complainant's
 * erasure destroyed the complaint's data key): every one is personal, sealed under that key, so after the erasure no
 * text can be recorded and, without this, the complaint could only be closed as withdrawn. The decider's
 * `textUnlessErased` holds the rule; `ComplaintStreams.erasedIfLeftOut` asks the key store. Said in each field's
 * OpenAPI description and in each route's.
 */
export const LEFT_OUT_ONCE_ERASED =
  "Required, unless the complaint's personal data is erased (the complainant's erasure, POST /data-subjects/erase): then it " +
  'may be left out and the step is recorded without it, while a text given is refused (409 PERSONAL_DATA.ERASED, nothing ' +
  'recorded). Left out of a complaint not erased: 400 COMPLAINT.TEXT_REQUIRED naming the field.';

/** The routes' description of the same rule. */
export const STEP_WITHOUT_TEXT_ONCE_ERASED =
  "Once the complaint's personal data is erased (its complainant's erasure), leave the step's text out: the step is " +
  'recorded without it, so the complaint is still answered, its decision communicated and closed resolved or unresolved ' +
  '(ISO 10002). A text given then is refused (409 PERSONAL_DATA.ERASED, nothing recorded). On a complaint not erased ' +
  'the text is required: left out, 400 COMPLAINT.TEXT_REQUIRED naming the field.';
