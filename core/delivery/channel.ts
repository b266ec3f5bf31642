// Owns what a channel provider is to delivery: one send of a rendered message to one address, answering
// the provider's id for it, or a failure that is transient (to try again later) or permanent (to try the
// member's next channel), with a stable reason code. The connectors provide the sender.
export interface OutgoingMessage {
  to: string;
  // Email.
  subject?: string;
  html?: string;
  text: string;
  // WhatsApp: an approved template and its parameters, in order.
  whatsapp?: { name: string; language: string; parameters: string[] };
}

// Why a send failed for good: the address is wrong (invalid_address, not_mobile), the recipient cannot
// or will not be reached (undeliverable, opted_out, outside_window), or the provider refused the message
// (rejected). Transient failures are throttled or provider_unavailable.
export type FailureReason =
  | 'invalid_address'
  | 'not_mobile'
  | 'opted_out'
  | 'undeliverable'
  | 'outside_window'
  | 'rejected'
  | 'throttled'
  | 'provider_unavailable';

export type SendResult =
  | { ok: true; providerId: string }
  | { ok: false; transient: boolean; code: FailureReason; reason: string; retryAfterMs?: number };

// Sends through the connection named, with its credentials; set by the connectors.
export type ChannelSender = (connectionId: string, message: OutgoingMessage) => Promise<SendResult>;

declare module '@hapi/hapi' {
  interface ServerApplicationState {
    channelSender?: ChannelSender;
  }
}
