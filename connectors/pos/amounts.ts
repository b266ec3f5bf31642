// Owns the POS wire's decimal strings: money into integer minor units of its currency, exactly (no
// floating point), and volumes into litres (US gallons × 3.785411784) to three decimals.
const LITRES_PER_USG = 3.785411784;
const DECIMAL = /^(-?)(\d{1,15})(?:\.(\d{1,9}))?$/;

export const isDecimal = (value: string) => DECIMAL.test(value);

// Minor units per unit of the currency: 2 for EUR, 0 for JPY, 3 for KWD.
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits as number;
}

// "12.345" in a 2-digit currency is 1235: half away from zero, on the decimal digits as written.
export function toMinorUnits(decimal: string, digits: number): number {
  const match = DECIMAL.exec(decimal.trim());
  if (!match) throw new RangeError(`${decimal} is not a decimal number`);
  const [, sign, whole, fraction = ''] = match;
  let minor = Number(whole) * 10 ** digits + Number(fraction.slice(0, digits).padEnd(digits, '0'));
  if (fraction.length > digits && Number(fraction[digits]) >= 5) minor += 1;
  return sign && minor !== 0 ? -minor : minor;
}

export function toLitres(quantity: string, uom: 'L' | 'USG'): number {
  const value = Number(quantity);
  return uom === 'USG' ? value * LITRES_PER_USG : value;
}

export const roundLitres = (litres: number) => Math.round(litres * 1000) / 1000;
