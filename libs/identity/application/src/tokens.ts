/** Nest injection tokens of the identity context. */
export const AUTH_SETTINGS = Symbol('AuthSettings');
/** The server secret API keys are hashed with (a Buffer). */
export const API_KEY_SECRET = Symbol('ApiKeySecret');
