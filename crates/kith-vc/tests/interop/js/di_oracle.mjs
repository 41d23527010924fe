// Data Integrity oracle for Kith's interop test
// (crates/kith-vc/tests/di_interop_js.rs): digitalbazaar's eddsa-jcs-2022 and
// ecdsa-jcs-2019 cryptosuites, run through @digitalbazaar/data-integrity and
// jsonld-signatures, with a document loader that never touches the network.
//
// Usage: node di_oracle.mjs REQUEST.json RESULT.json
//
// Request: {
//   "verify": [{"name": "...", "credential": {...secured...}}, ...],
//   "sign": {"credential": {...unsigned, any issuer...}}
// }
// Result: {
//   "verified": [{"name": "...", "verified": bool, "errors": ["..."]}, ...],
//   "signed": [{"cryptosuite": "...", "curve": "...", "did": "did:key:...",
//     "verificationMethod": "did:key:...#...", "credential": {...}}, ...]
// }
//
// "verify": each credential is verified for proof purpose assertionMethod; its
// verificationMethod must be a did:key key (Ed25519, P-256 or P-384) listed under
// assertionMethod in the did:key document, which is built here from the key.
// "sign": the credential is signed once per suite and curve (eddsa-jcs-2022 with
// Ed25519, ecdsa-jcs-2019 with P-256 and P-384), each time with a fresh key pair
// whose did:key becomes the issuer.
import {readFile, writeFile} from 'node:fs/promises';

import * as credentialsContext from '@digitalbazaar/credentials-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as ecdsaJcs2019 from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import multikeyContext from '@digitalbazaar/multikey-context';
import jsigs from 'jsonld-signatures';

const {purposes: {AssertionProofPurpose}} = jsigs;

const DID_CONTEXT_V1 = 'https://www.w3.org/ns/did/v1';

// JSON-LD contexts from the npm packages; nothing is fetched.
const CONTEXTS = new Map([
  ...credentialsContext.contexts,
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts,
]);

// did:key documents, built from the Multikey in the DID itself
// (https://w3c-ccg.github.io/did-key-spec/): one Multikey verification method
// whose fragment is the key, authorized for authentication and assertionMethod.
function didKeyDocument(did) {
  const key = did.slice('did:key:'.length);
  if(!/^z[1-9A-HJ-NP-Za-km-z]+$/.test(key)) {
    throw new Error(`not a base58btc did:key: ${did}`);
  }
  const id = `${did}#${key}`;
  const method = {
    id,
    type: 'Multikey',
    controller: did,
    publicKeyMultibase: key,
  };
  return {
    '@context': [DID_CONTEXT_V1, multikeyContext.CONTEXT_URL],
    id: did,
    verificationMethod: [method],
    authentication: [id],
    assertionMethod: [id],
    capabilityInvocation: [id],
    capabilityDelegation: [id],
  };
}

async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  if(url.startsWith('did:key:')) {
    const [did, fragment] = url.split('#');
    const didDocument = didKeyDocument(did);
    if(fragment === undefined) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = didDocument.verificationMethod.find(vm => vm.id === url);
    if(!method) {
      throw new Error(`no verification method ${url} in ${did}`);
    }
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': multikeyContext.CONTEXT_URL, ...method},
    };
  }
  throw new Error(`the oracle's document loader refuses ${url} (no network)`);
}

const SUITES = {
  'eddsa-jcs-2022': eddsaJcs2022,
  'ecdsa-jcs-2019': ecdsaJcs2019,
};

function errorMessages(result) {
  const messages = [];
  const add = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error.errors) && error.errors.length > 0) {
      error.errors.forEach(add);
    } else {
      messages.push(String(error.message || error));
    }
  };
  add(result.error);
  for(const item of result.results || []) {
    add(item.error);
    add(item.purposeResult?.error);
  }
  return [...new Set(messages)];
}

async function verifyOne({name, credential}) {
  try {
    const cryptosuite = SUITES[credential?.proof?.cryptosuite];
    if(!cryptosuite) {
      throw new Error(
        `unsupported cryptosuite ${credential?.proof?.cryptosuite}`);
    }
    const suite = new DataIntegrityProof({
      cryptosuite: cryptosuite.createVerifyCryptosuite(),
    });
    const result = await jsigs.verify(structuredClone(credential), {
      suite,
      purpose: new AssertionProofPurpose(),
      documentLoader,
    });
    return {name, verified: result.verified, errors: errorMessages(result)};
  } catch(error) {
    return {name, verified: false, errors: [String(error.message || error)]};
  }
}

async function signWith({cryptosuite, curve, unsigned}) {
  const keyPair = curve === 'Ed25519' ?
    await Ed25519Multikey.generate() :
    await EcdsaMultikey.generate({curve});
  const {publicKeyMultibase} = await keyPair.export({publicKey: true});
  const did = `did:key:${publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${publicKeyMultibase}`;
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: SUITES[cryptosuite].createSignCryptosuite(),
  });
  const credential = {...structuredClone(unsigned), issuer: did};
  const secured = await jsigs.sign(credential, {
    suite,
    purpose: new AssertionProofPurpose(),
    documentLoader,
  });
  return {
    cryptosuite,
    curve,
    did,
    verificationMethod: keyPair.id,
    credential: secured,
  };
}

async function main() {
  const [requestPath, resultPath] = process.argv.slice(2);
  if(!requestPath || !resultPath) {
    console.error('usage: node di_oracle.mjs REQUEST.json RESULT.json');
    process.exit(2);
  }
  const request = JSON.parse(await readFile(requestPath, 'utf8'));
  const verified = [];
  for(const item of request.verify || []) {
    verified.push(await verifyOne(item));
  }
  const signed = [];
  if(request.sign) {
    const unsigned = request.sign.credential;
    signed.push(await signWith(
      {cryptosuite: 'eddsa-jcs-2022', curve: 'Ed25519', unsigned}));
    signed.push(await signWith(
      {cryptosuite: 'ecdsa-jcs-2019', curve: 'P-256', unsigned}));
    signed.push(await signWith(
      {cryptosuite: 'ecdsa-jcs-2019', curve: 'P-384', unsigned}));
  }
  await writeFile(resultPath, JSON.stringify({verified, signed}, null, 2));
}

await main();
