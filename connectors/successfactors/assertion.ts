// Owns the SAML 2.0 assertion SuccessFactors' OAuth token endpoint takes for the SAML bearer grant:
// issued for www.successfactors.com, naming the API user, carrying the client's API key, signed
// (RSA-SHA256, exclusive canonicalisation) with the private key of the certificate registered there.
import { randomUUID } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

const xmlText = (value: string) => value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface AssertionInput {
  clientId: string;
  userId: string;
  tokenUrl: string;
  privateKey: string;
  lifetimeSeconds?: number;
  now?: Date;
}

export function samlAssertion(input: AssertionInput): string {
  const now = input.now ?? new Date();
  const until = new Date(now.getTime() + (input.lifetimeSeconds ?? 600) * 1000).toISOString();
  const issued = now.toISOString();
  const id = `_${randomUUID()}`;
  const xml = `<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" IssueInstant="${issued}" Version="2.0"><saml2:Issuer>www.successfactors.com</saml2:Issuer><saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${xmlText(input.userId)}</saml2:NameID><saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${xmlText(input.tokenUrl)}"/></saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotBefore="${issued}" NotOnOrAfter="${until}"><saml2:AudienceRestriction><saml2:Audience>www.successfactors.com</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions><saml2:AuthnStatement AuthnInstant="${issued}" SessionIndex="${id}"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement><saml2:AttributeStatement><saml2:Attribute Name="api_key"><saml2:AttributeValue>${xmlText(input.clientId)}</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>`;
  const signer = new SignedXml({
    privateKey: input.privateKey,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  signer.addReference({
    xpath: "/*[local-name(.)='Assertion']",
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
  });
  // The signature goes right after the Issuer, where the SAML schema puts it.
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: "/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: 'after' },
  });
  return signer.getSignedXml();
}
