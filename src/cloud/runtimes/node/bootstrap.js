'use strict';
/*
 * lambda-tutor's runtime client for Node.js handlers.
 *
 * The cloud starts one of these per execution environment:
 *
 *     node bootstrap.js          (cwd = the function's code, _HANDLER = "file.export")
 *
 * It loads the handler once (CommonJS with require(), ES modules with import()), then loops over
 * the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API: GET /invocation/next, call the handler,
 * POST /invocation/{id}/response or /invocation/{id}/error. Faults while loading the handler go
 * to /init/error and end the process, as on AWS. Formats and error types are Lambda's; see
 * README.md beside this file. Only Node's own modules are used.
 */

const net = require('net');
const fs = require('fs');
const path = require('path');
const util = require('util');
const Module = require('module');
const { pathToFileURL } = require('url');

const API_PREFIX = '/2018-06-01/runtime';
const EXIT_INIT_FAULT = 129;
const EXIT_UNCAUGHT = 129;
const EXIT_UNHANDLED_REJECTION = 128;

/* The invocation being served: its id for log lines, and how to finish it. */
let current = null;

/* --- Errors in Lambda's Node.js shape ------------------------------------------------------- */

class RuntimeFault extends Error {
	constructor(name, message) {
		super(message);
		this.name = name;
		Error.captureStackTrace(this, RuntimeFault); /* the stack's first line shows the name */
	}
}

function isError(value) {
	return util.types.isNativeError(value) ||
		(value !== null && typeof value === 'object' && typeof value.name === 'string' &&
			typeof value.message === 'string' && typeof value.stack === 'string');
}

/* The body posted to /error: {errorType, errorMessage, trace}. */
function errorPayload(err) {
	try {
		if (isError(err)) {
			return {
				errorType: err.name,
				errorMessage: err.message,
				trace: String(err.stack || '').split('\n'),
			};
		}
		return { errorType: typeof err, errorMessage: String(err), trace: [] };
	} catch (_) {
		return {
			errorType: 'handled',
			errorMessage: 'callback called with Error argument, but there was a problem while ' +
				'retrieving one or more of its message, name, and stack',
		};
	}
}

/* The error as the runtime logs it: a tab, then JSON with the stack as an array. */
function formatError(err) {
	try {
		if (isError(err)) {
			const p = errorPayload(err);
			return '\t' + JSON.stringify({ errorType: p.errorType, errorMessage: p.errorMessage,
				stack: p.trace });
		}
		return '\t' + JSON.stringify(err);
	} catch (_) {
		return '\t' + String(err);
	}
}

/* --- Logging: console.* in Lambda's text or JSON format ------------------------------------ */

const JSON_LOGS = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
const LEVEL_RANK = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };

/* An Error inside a JSON log record: its type, message and stack, as Lambda writes them. */
function jsonErrorReplacer(_, value) {
	if (value instanceof Error) {
		return Object.assign({
			errorType: value?.constructor?.name ?? 'UnknownError',
			errorMessage: value.message,
			stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : [],
		}, value);
	}
	return value;
}

function jsonLine(level, args) {
	const record = {
		timestamp: new Date().toISOString(),
		level,
		requestId: current ? current.requestId : undefined,
	};
	if (args.length === 1) {
		record.message = args[0];
		try {
			return JSON.stringify(record, jsonErrorReplacer);
		} catch (_) {
			record.message = util.format(args[0]);
			return JSON.stringify(record);
		}
	}
	record.message = util.format(...args);
	const err = args.slice(1).find((a) => a instanceof Error);
	if (err) {
		record.errorType = err?.constructor?.name ?? 'UnknownError';
		record.errorMessage = err.message;
		record.stackTrace = typeof err.stack === 'string' ? err.stack.split('\n') : [];
	}
	return JSON.stringify(record, jsonErrorReplacer);
}

function writeLog(level, args) {
	let line;
	if (JSON_LOGS) {
		line = jsonLine(level, args);
	} else {
		const message = util.format(...args).replace(/\n/g, '\r');
		const requestId = current ? current.requestId : undefined;
		line = `${new Date().toISOString()}\t${requestId}\t${level}\t${message}`;
	}
	try {
		process.stdout.write(line + '\n');
	} catch (_) {
		/* a closed stdout must not take the environment down */
	}
}

/* A fault the runtime reports in the log: "Invoke Error", "Uncaught Exception", … */
function logFault(label, err) {
	if (JSON_LOGS) {
		writeLog('ERROR', [err]); /* the error itself is the message, as AWS's client logs it */
	} else {
		writeLog('ERROR', [label, formatError(err)]);
	}
}

function patchConsole() {
	const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG',
		trace: 'TRACE', fatal: 'FATAL' };
	/* Lambda filters by level only with the JSON format; INFO unless configured. */
	const wanted = (process.env.AWS_LAMBDA_LOG_LEVEL || 'INFO').toUpperCase();
	const min = JSON_LOGS ? (LEVEL_RANK[wanted] ?? LEVEL_RANK.INFO) : 0;
	for (const [name, level] of Object.entries(levels)) {
		console[name] = LEVEL_RANK[level] >= min ? (...args) => writeLog(level, args) : () => {};
	}
}

/* --- The Runtime API over one keep-alive connection ----------------------------------------- */

function runtimeClient(address) {
	const colon = address.lastIndexOf(':');
	const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
	const port = Number(address.slice(colon + 1));
	if (colon <= 0 || !Number.isInteger(port)) {
		throw new Error(`AWS_LAMBDA_RUNTIME_API is not host:port: ${address}`);
	}
	/*
	 * One HTTP/1.1 connection, by hand over `net`: Node's http client costs about 150 us per
	 * request, several times the rest of the client. The socket is unref'd while idle, so that
	 * it never keeps an otherwise empty event loop alive (callbackWaitsForEmptyEventLoop).
	 */
	let sock = null;
	let buf = Buffer.alloc(0);
	let waiting = null;

	function settle(err, res) {
		const w = waiting;
		waiting = null;
		if (sock) {
			sock.unref();
		}
		if (w) {
			if (err) {
				w.reject(err);
			} else {
				w.resolve(res);
			}
		}
	}

	function connect() {
		const s = net.connect({ host, port, noDelay: true });
		s.on('data', (data) => {
			buf = buf.length ? Buffer.concat([buf, data]) : data;
			parse();
		});
		s.on('error', (err) => settle(err));
		s.on('close', () => {
			if (sock === s) {
				sock = null;
				buf = Buffer.alloc(0);
			}
			const err = new Error('the Runtime API closed the connection');
			err.code = 'ECONNRESET';
			settle(err);
		});
		sock = s;
	}

	/* A chunked body complete in buf from offset `at`: [body, end offset], or null for more. */
	function dechunk(at) {
		const parts = [];
		for (;;) {
			const eol = buf.indexOf('\r\n', at);
			if (eol < 0) {
				return null;
			}
			const size = parseInt(buf.toString('latin1', at, eol).split(';')[0], 16);
			if (size === 0) {
				const trailerEnd = buf.indexOf('\r\n\r\n', eol);
				return trailerEnd < 0 ? null : [Buffer.concat(parts), trailerEnd + 4];
			}
			if (buf.length < eol + 2 + size + 2) {
				return null;
			}
			parts.push(buf.subarray(eol + 2, eol + 2 + size));
			at = eol + 2 + size + 2;
		}
	}

	function parse() {
		if (!waiting) {
			return;
		}
		const end = buf.indexOf('\r\n\r\n');
		if (end < 0) {
			return;
		}
		const lines = buf.toString('latin1', 0, end).split('\r\n');
		const status = Number(lines[0].split(' ')[1]);
		const headers = {};
		for (let i = 1; i < lines.length; i++) {
			const colon = lines[i].indexOf(':');
			if (colon > 0) {
				headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
			}
		}
		let body;
		let rest;
		if (/chunked/i.test(headers['transfer-encoding'] || '')) {
			const got = dechunk(end + 4);
			if (!got) {
				return;
			}
			[body, rest] = got;
		} else {
			const length = Number(headers['content-length'] || 0);
			if (buf.length < end + 4 + length) {
				return;
			}
			body = Buffer.from(buf.subarray(end + 4, end + 4 + length));
			rest = end + 4 + length;
		}
		buf = buf.subarray(rest);
		if ((headers.connection || '').toLowerCase() === 'close' || lines[0].startsWith('HTTP/1.0')) {
			const s = sock;
			sock = null;
			buf = Buffer.alloc(0);
			s.destroy();
		}
		settle(null, { status, headers, body });
	}

	function once(method, urlPath, body, headers) {
		return new Promise((resolve, reject) => {
			if (!sock) {
				connect();
			}
			waiting = { resolve, reject };
			sock.ref();
			let head = `${method} ${API_PREFIX}${urlPath} HTTP/1.1\r\nHost: ${address}\r\n`;
			for (const [name, value] of Object.entries(headers || {})) {
				head += `${name}: ${value}\r\n`;
			}
			if (body !== undefined) {
				const data = Buffer.from(body, 'utf8');
				head += `Content-Type: application/json\r\nContent-Length: ${data.length}\r\n\r\n`;
				sock.write(Buffer.concat([Buffer.from(head, 'latin1'), data]));
			} else {
				sock.write(head + '\r\n', 'latin1');
			}
		});
	}

	async function exchange(method, urlPath, body, headers) {
		try {
			return await once(method, urlPath, body, headers);
		} catch (err) {
			/* A kept-alive connection the server had closed: once more, on a fresh one. */
			if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
				return once(method, urlPath, body, headers);
			}
			throw err;
		}
	}

	/* One request at a time on the one connection: a fault may post while a result posts. */
	let queue = Promise.resolve();
	function request(method, urlPath, body, headers) {
		const result = queue.then(() => exchange(method, urlPath, body, headers));
		queue = result.catch(() => {});
		return result;
	}

	return {
		async next() {
			for (;;) {
				const res = await request('GET', '/invocation/next');
				if (res.status === 200) {
					return res;
				}
				if (res.status >= 500 || res.status === 403 || res.status === 410) {
					throw new Error(`GET /invocation/next answered ${res.status}`);
				}
				await new Promise((r) => setTimeout(r, 10));
			}
		},
		postResponse(id, body) {
			return request('POST', `/invocation/${id}/response`, body);
		},
		postError(id, err) {
			const payload = errorPayload(err);
			return request('POST', `/invocation/${id}/error`, JSON.stringify(payload),
				{ 'Lambda-Runtime-Function-Error-Type': headerSafe(payload.errorType) });
		},
		postInitError(err) {
			const payload = errorPayload(err);
			return request('POST', '/init/error', JSON.stringify(payload),
				{ 'Lambda-Runtime-Function-Error-Type': headerSafe(payload.errorType) });
		},
	};
}

function headerSafe(value) {
	return String(value).replace(/[^\x20-\x7e]/g, '').slice(0, 256) || 'Unhandled';
}

/* --- Loading the handler -------------------------------------------------------------------- */

function setUpModulePaths(taskRoot) {
	const major = process.versions.node.split('.')[0];
	const extra = [];
	for (const opt of [process.env.LAMBDA_TUTOR_OPT, '/opt']) {
		if (opt) {
			extra.push(path.join(opt, 'nodejs', `node${major}`, 'node_modules'),
				path.join(opt, 'nodejs', 'node_modules'));
		}
	}
	/* As on Lambda: the layers' folders, then the runtime's (the SDK), then the code. */
	const existing = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);
	const all = extra.filter((p) => !existing.includes(p)).concat(existing);
	if (!all.includes(taskRoot)) {
		all.push(taskRoot);
	}
	process.env.NODE_PATH = all.join(path.delimiter);
	Module._initPaths(); /* require() reads NODE_PATH once, at start-up */
}

function isFile(p) {
	try {
		return fs.statSync(p).isFile();
	} catch (_) {
		return false;
	}
}

/* Is the nearest package.json above file's folder {"type": "module"}? */
function inModulePackage(file) {
	let dir = path.dirname(file);
	for (;;) {
		const pj = path.join(dir, 'package.json');
		if (isFile(pj)) {
			try {
				return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
			} catch (_) {
				return false;
			}
		}
		const parent = path.dirname(dir);
		if (parent === dir) {
			return false;
		}
		dir = parent;
	}
}

/*
 * ES modules ignore NODE_PATH, so `import … from '@aws-sdk/client-s3'` in an .mjs handler finds
 * only packages in node_modules folders above the code. When that fails for a package that one of
 * NODE_PATH's folders holds, a resolve hook that falls back to those folders is registered and the
 * import tried again. The hook runs a loader thread (tens of ms), so only handlers that need it pay.
 * Resolution fails while linking, before any module code has run: the retry runs init code once.
 */
const NODE_PATH_HOOKS = `
let parents = [];
export async function initialize(data) { parents = data.parents; }
export async function resolve(specifier, context, next) {
	try {
		return await next(specifier, context);
	} catch (err) {
		if (err?.code !== 'ERR_MODULE_NOT_FOUND' || /^(\\.|\\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier)) {
			throw err;
		}
		for (const parentURL of parents) {
			try {
				return await next(specifier, { ...context, parentURL });
			} catch (_) {
				/* not in this folder */
			}
		}
		throw err;
	}
}`;

function nodePathModuleDirs() {
	return (process.env.NODE_PATH || '').split(path.delimiter)
		.filter((d) => d && path.basename(d) === 'node_modules');
}

function enableNodePathForImports(err) {
	const m = /Cannot find package '((?:@[^/']+\/)?[^/']+)/.exec(err.message || '');
	const dirs = nodePathModuleDirs();
	if (!m || !dirs.some((d) => fs.existsSync(path.join(d, m[1])))) {
		return false;
	}
	Module.register('data:text/javascript,' + encodeURIComponent(NODE_PATH_HOOKS), {
		data: { parents: dirs.map((d) => pathToFileURL(path.join(path.dirname(d), 'index.js')).href) },
	});
	return true;
}

async function importFile(file) {
	const url = pathToFileURL(file).href;
	try {
		return await import(url);
	} catch (err) {
		if (err && err.code === 'ERR_MODULE_NOT_FOUND' && typeof Module.register === 'function' &&
			enableNodePathForImports(err)) {
			return import(url + '?node-path'); /* a new URL: the failed graph is not reused */
		}
		throw err;
	}
}

/* Lambda's lookup order: the bare name, .js (CommonJS unless the package says module), .mjs,
 * .cjs, then Node's own resolution from the code's folder (a package, a folder's index.js). */
async function requireModule(appRoot, moduleRoot, moduleName) {
	const base = path.resolve(appRoot, moduleRoot, moduleName);
	if (isFile(base)) {
		return require(base);
	}
	if (isFile(base + '.js')) {
		return inModulePackage(base + '.js') ? importFile(base + '.js') : require(base + '.js');
	}
	if (isFile(base + '.mjs')) {
		return importFile(base + '.mjs');
	}
	if (isFile(base + '.cjs')) {
		return require(base + '.cjs');
	}
	const resolved = require.resolve(moduleName, {
		paths: [path.resolve(appRoot, moduleRoot), appRoot],
	});
	return require(resolved);
}

async function loadHandler(appRoot, fullHandler) {
	if (fullHandler.includes('..')) {
		throw new RuntimeFault('Runtime.MalformedHandlerName',
			"'../' not allowed in handler name. Use a path from the function's root.");
	}
	const slash = fullHandler.lastIndexOf('/');
	const moduleRoot = fullHandler.slice(0, slash + 1);
	const match = fullHandler.slice(slash + 1).match(/^([^.]*)\.(.*)$/);
	if (!match || !match[1] || !match[2]) {
		throw new RuntimeFault('Runtime.MalformedHandlerName', 'Bad handler');
	}
	const [, moduleName, handlerPath] = match;

	let mod;
	try {
		mod = await requireModule(appRoot, moduleRoot, moduleName);
	} catch (err) {
		if (err instanceof SyntaxError) {
			throw new RuntimeFault('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`);
		}
		if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) {
			throw new RuntimeFault('Runtime.ImportModuleError', `${err.name}: ${err.message}`);
		}
		throw err; /* the module's own code threw: report it as it is */
	}

	let fn = mod;
	for (const key of handlerPath.split('.')) {
		fn = fn === undefined || fn === null ? undefined : fn[key];
	}
	if (fn === undefined || fn === null) {
		throw new RuntimeFault('Runtime.HandlerNotFound',
			`${moduleRoot}${moduleName}.${handlerPath} is undefined or not exported`);
	}
	if (typeof fn !== 'function') {
		throw new RuntimeFault('Runtime.HandlerNotFound',
			`${moduleRoot}${moduleName}.${handlerPath} is not a function`);
	}
	return fn;
}

/* --- One invocation ------------------------------------------------------------------------- */

function parseJsonHeader(value) {
	if (!value) {
		return undefined;
	}
	try {
		return JSON.parse(value);
	} catch (_) {
		return undefined;
	}
}

/*
 * Run the handler on one event. Resolves once the result has been posted. The result may come
 * from a returned promise, from the callback (after the event loop empties, unless
 * callbackWaitsForEmptyEventLoop is false) or from context.done/succeed/fail; the first wins.
 */
function invoke(client, handler, res) {
	return new Promise((resolveInvocation) => {
		const h = res.headers;
		const requestId = h['lambda-runtime-aws-request-id'];
		const deadline = Number(h['lambda-runtime-deadline-ms']) || 0;
		if (h['lambda-runtime-trace-id']) {
			process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
		} else {
			delete process.env._X_AMZN_TRACE_ID;
		}

		let finished = false;
		let waitsForEmptyEventLoop = true;
		const inv = { requestId, pendingCallback: null, returnedPromise: false };
		current = inv;

		const finish = (post) => {
			if (finished) {
				console.error('Invocation has already been reported as done. ' +
					'Cannot call complete more than once per invocation.');
				return;
			}
			finished = true;
			inv.pendingCallback = null;
			post().catch((err) => {
				process.stderr.write(`lambda-tutor node runtime: posting failed: ${err.message}\n`);
			}).then(() => {
				current = null;
				resolveInvocation();
			});
		};
		const succeed = (result) => finish(() => {
			let body;
			try {
				body = JSON.stringify(result === undefined ? null : result);
			} catch (err) {
				const marshal = new Error('Unable to stringify response body');
				logFault('Invoke Error', marshal);
				return client.postError(requestId, marshal);
			}
			return client.postResponse(requestId, body === undefined ? 'null' : body);
		});
		const fail = (err) => finish(() => {
			logFault('Invoke Error', err);
			return client.postError(requestId, err);
		});
		inv.failUnexpectedly = fail;

		const callback = (err, result) => {
			if (finished) {
				return;
			}
			if (err !== undefined && err !== null) {
				fail(err);
			} else if (!waitsForEmptyEventLoop) {
				succeed(result);
			} else {
				/* Sent when the event loop has nothing left but us: see 'beforeExit' below. */
				inv.pendingCallback = () => succeed(result);
			}
		};

		const context = {
			get callbackWaitsForEmptyEventLoop() {
				return waitsForEmptyEventLoop;
			},
			set callbackWaitsForEmptyEventLoop(value) {
				waitsForEmptyEventLoop = Boolean(value);
			},
			succeed: (result) => succeed(result),
			fail: (err) => fail(err === undefined || err === null ? 'handled' : err),
			done: (err, result) => (err !== undefined && err !== null ? fail(err) : succeed(result)),
			functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
			functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
			memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
			logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
			logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
			clientContext: parseJsonHeader(h['lambda-runtime-client-context']),
			identity: parseJsonHeader(h['lambda-runtime-cognito-identity']),
			invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
			awsRequestId: requestId,
			tenantId: h['lambda-runtime-aws-tenant-id'],
			getRemainingTimeInMillis: () => deadline - Date.now(),
		};

		let event;
		try {
			event = JSON.parse(res.body.toString('utf8'));
		} catch (err) {
			fail(new RuntimeFault('Runtime.UnmarshalError',
				`Unable to parse event: ${err.message}`));
			return;
		}
		try {
			const result = handler(event, context, callback);
			if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
				inv.returnedPromise = true;
				result.then(succeed, (err) => fail(err === undefined || err === null ? 'handled' : err));
			}
		} catch (err) {
			fail(err);
		}
	});
}

/* --- Start-up and the loop ------------------------------------------------------------------ */

async function main() {
	patchConsole();
	let client;
	try {
		client = runtimeClient(process.env.AWS_LAMBDA_RUNTIME_API || '');
	} catch (err) {
		process.stderr.write(`lambda-tutor node runtime: ${err.message}\n`);
		process.exit(2);
	}
	const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
	setUpModulePaths(appRoot);

	let initDone = false;
	const fatal = (err, label, code) => {
		logFault(label, err);
		const post = !initDone ? client.postInitError(err)
			: current ? client.postError(current.requestId, err) : Promise.resolve();
		post.catch(() => {}).then(() => process.exit(code));
	};
	process.on('uncaughtException', (err) => fatal(err, 'Uncaught Exception', EXIT_UNCAUGHT));
	process.on('unhandledRejection', (reason) => {
		const err = new RuntimeFault('Runtime.UnhandledPromiseRejection',
			isError(reason) ? `${reason.name}: ${reason.message}` : String(reason));
		err.reason = reason;
		fatal(err, 'Unhandled Promise Rejection', EXIT_UNHANDLED_REJECTION);
	});
	/* The event loop has emptied: send a result that waited for it, or report a handler that
	 * can no longer finish (a promise never settled, a callback never called). */
	process.on('beforeExit', () => {
		if (!current) {
			return;
		}
		if (current.pendingCallback) {
			const send = current.pendingCallback;
			setImmediate(send);
			return;
		}
		current.failUnexpectedly(new RuntimeFault('Runtime.NodeJsExit',
			'The Lambda runtime client detected an unexpected Node.js exit code. This is most ' +
			'commonly caused by a Promise that was never settled. For more information, see ' +
			'https://nodejs.org/docs/latest/api/process.html#exit-codes'));
	});

	let handler;
	try {
		handler = await loadHandler(appRoot, process.env._HANDLER || '');
	} catch (err) {
		logFault('Uncaught Exception', err); /* AWS's client logs init faults so too */
		try {
			await client.postInitError(err);
		} catch (_) {
			/* the cloud is gone; exiting is all that is left */
		}
		process.exit(EXIT_INIT_FAULT);
	}
	initDone = true;

	for (;;) {
		let res;
		try {
			res = await client.next();
		} catch (err) {
			process.stderr.write(`lambda-tutor node runtime: the Runtime API is gone: ${err.message}\n`);
			process.exit(1);
		}
		await invoke(client, handler, res);
	}
}

main();
