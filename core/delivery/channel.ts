// Owns what a channel provider is to delivery: one send of a rendered message to one address, answering
// the provider's id for it, or a failure that is transient (to try again later) or permanent (to try the
// member's next channel).
export interface OutgoingMessage {
  to: string;
  // Email.
  subject?: string;
  html?: string;
  text: string;
  // WhatsApp: an approved template and its parameters, in order.
  whatsapp?: { name: string; language: string; parameters: string[] };
}

export type SendResult =
  | { ok: true; providerId: string }
  | { ok: false; transient: boolean; reason: string; retryAfterMs?: number };
