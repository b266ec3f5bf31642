// Owns the live feed's one table as an Objection model: the key that signs live tokens, shared by every
// server process.
import { Model } from 'objection';

export class LiveSigningKey extends Model {
  static override tableName = 'live_signing_key';
  declare id: 1;
  declare secret: string;
}
