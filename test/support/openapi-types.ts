export interface paths {
    "/v1/media/preflight": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a media URL the way a carrier will fetch it: reachability, redirects, type, size, expiry
         * @description Always 200 for a well-formed request: `ok` says whether carriers should deliver the URL as it is, and `problems` says why not and what to do. The URL is fetched anonymously (a Range request for the first bytes), only if it leads to a public address.
         */
        post: operations["preflightMedia"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/media": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Host a file: sniffed, checked against the carrier limits, stored behind a public URL
         * @description Send the file (multipart or raw body), or JSON `{"url": …}` to import it from a public URL through the same pipeline.
         */
        post: operations["hostMedia"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/media/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The hosted media, with a fresh URL; or how a background upload (Prefer: respond-async) is going
         * @description A media id answers with the media (`status: "ready"`). A job id from a 202 answers `processing`, the media once ready, or, when the job failed, the error it ended with (`status: "failed"`, its code and sentence; `media_processing_timeout` when it did not finish by its deadline).
         */
        get: operations["getMedia"];
        put?: never;
        post?: never;
        /** Delete hosted media; its URL stops serving */
        delete: operations["deleteMedia"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/mms/send": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send an MMS: the send endpoint’s own JSON (media_url checked, rehosted if need be, then forwarded), or a file in multipart (hosted, then sent)
         * @description With JSON, media_url is preflighted first. A URL that cannot be fetched is refused (422 url_not_fetchable, with the report) and nothing is sent. rehost=auto (default) hosts a fixed copy when every error is one hosting fixes (format, size, Content-Type, expiry) and sends its URL; a URL without errors is sent unchanged. The reply carries `preflight` when it found anything (warnings included), and `media` (rehosted: true) when a copy was sent; a clean URL gets the endpoint’s reply untouched. optimize and keep_metadata apply to the file hosted for the send: the uploaded file, or the copy of media_url.
         */
        post: operations["sendMms"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads/direct": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a direct upload: a URL to PUT the file to (15 minutes), straight to the bucket where it can take it
         * @description Then PUT the file to `url` with `headers`, and POST /v1/uploads/{id}/complete. See docs/uploads-direct.md.
         */
        post: operations["createDirectUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads/direct/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** The file's bytes, at the URL POST /v1/uploads/direct returned (local disk, R2 binding); no API key: the URL is signed */
        put: operations["putDirectUpload"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads/{id}/complete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Host a direct upload once its PUT is done: the same pipeline and answer as POST /v1/media; asked again, the same answer */
        post: operations["completeDirectUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is up */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Storage is reachable */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a resumable upload (tus creation, creation-with-upload) */
        post: operations["createUpload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Cancel the upload (tus termination): its bytes are removed */
        delete: operations["cancelUpload"];
        options?: never;
        /** How many bytes the upload has (Upload-Offset), to resume from */
        head: operations["getUploadOffset"];
        /** Send bytes from Upload-Offset (Content-Type: application/offset+octet-stream) */
        patch: operations["appendUpload"];
        trace?: never;
    };
    "/v1/uploads/{id}/media": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What a finished resumable (tus) upload became: processing, ready with its media, or failed
         * @description Answers as GET /v1/media/{id} does for a background upload. Before the last byte is in: 409 `upload_incomplete`. Another API key than the one that created the upload: 404.
         */
        get: operations["getUploadMedia"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        UploadForm: {
            /**
             * Format: binary
             * @description The file (exactly one part).
             */
            file: Blob;
        };
        SendWithFile: {
            /** @example campaign_abc123 */
            campaign_id: string;
            /** @example +15551234567 */
            phone_number: string;
            /** @example Here is the brochure you requested! */
            message?: string;
            /**
             * Format: binary
             * @description The file to host and send.
             */
            file: Blob;
        };
        PreflightResponse: components["schemas"]["PreflightReport"] & {
            /** @enum {boolean} */
            success: true;
        };
        PreflightProblem: {
            /** @example not_carrier_format */
            code: string;
            /** @enum {string} */
            severity: "error" | "warning";
            message: string;
            fix: string;
            /** @description Hosting a copy with this service fixes it. */
            rehostable: boolean;
        };
        PreflightReport: {
            /** @description No error-severity problem. */
            ok: boolean;
            /** @description An anonymous GET got the file (so it can be rehosted). */
            fetchable: boolean;
            media_url: string;
            final_url: string | null;
            redirects: string[];
            status: number | null;
            /** @description As the server declared it. */
            content_type: string | null;
            /** @description From the bytes. */
            detected: {
                content_type: string;
                /** @enum {string|null} */
                kind: "image" | "video" | "audio" | "document" | null;
                extension: string;
            } | null;
            size: number | null;
            /**
             * Format: date-time
             * @description When the signed URL stops working, if it says.
             */
            expires_at: string | null;
            elapsed_ms: number;
            problems: components["schemas"]["PreflightProblem"][];
        };
        Error: {
            /** @enum {boolean} */
            success: false;
            /** @example The file is 12 MB; the limit for mp4 files is 10 MB. */
            error: string;
            /** @example file_too_large */
            code: string;
        } & {
            [key: string]: unknown;
        };
        PreflightRequest: {
            /** @example https://example.com/photo.heic */
            media_url: string;
        };
        MediaResponse: {
            /** @enum {boolean} */
            success: true;
            media: components["schemas"]["Media"];
        };
        Media: {
            /**
             * @description The file's name at the end of its URL: 22 random characters and the extension.
             * @example q5V0Ck3nYbq2V8D3mXy0cQ.jpg
             */
            id: string;
            /**
             * Format: uri
             * @example https://media.example.com/media/q5V0Ck3nYbq2V8D3mXy0cQ.jpg
             */
            url: string;
            /**
             * Format: date-time
             * @description When the URL stops working; null when permanent.
             */
            expires_at: string | null;
            /** @example image/jpeg */
            content_type: string;
            /** @example jpg */
            extension: string;
            /** @enum {string} */
            kind: "image" | "video" | "audio" | "document";
            size: number;
            sha256: string;
            width?: number;
            height?: number;
            /** @description Every change made to the bytes, in order (e.g. auto_orient, strip_metadata, convert:heic->jpeg, resize:4032x3024->2048x1536, quality:80, recompress:png, reencode:corrupt_data; video and audio: convert:mov->mp4, transcode:hevc->h264, rotate:90, scale:1920x1080->360x640, fps:30->15, bitrate:292k); with keep_metadata=true, the kinds of metadata kept (keep_metadata:exif,xmp). Empty: the bytes as sent. */
            transformations?: string[];
            /** @description Video and audio: seconds. */
            duration?: number;
            /** @description On sends: true when media_url was imported and the hosted copy sent instead. */
            rehosted?: boolean;
            original: {
                filename: string | null;
                content_type: string | null;
                size: number;
                width?: number;
                height?: number;
                duration?: number;
                /**
                 * @example [
                 *       "hevc",
                 *       "aac"
                 *     ]
                 */
                codecs?: string[];
            };
        };
        JobProcessing: {
            /** @enum {boolean} */
            success: true;
            /** @enum {string} */
            status: "processing";
            /**
             * @description The job: GET /v1/media/{id} reports it; once ready, the media id is this and its extension.
             * @example q5V0Ck3nYbq2V8D3mXy0cQ
             */
            id: string;
            /** Format: date-time */
            started_at: string;
            /**
             * Format: date-time
             * @description If it is still processing then, it is reported failed (media_processing_timeout).
             */
            deadline: string;
            /**
             * @description Video and audio: how far the conversion has got, when ffmpeg says.
             * @example 0.4
             */
            progress?: number;
        };
        MediaImport: {
            /** @example https://example.com/photo.heic */
            url: string;
            /**
             * @description auto (default): re-encode an image only when it needs it (over the budget, not a carrier format, turning, colour, damaged data); metadata alone is cut out without re-encoding. always: re-encode every image; off: store the bytes as they are, minus metadata (JPEG, PNG or GIF within the endpoint’s limit, that decodes cleanly, only).
             * @enum {string}
             */
            optimize?: "auto" | "always" | "off";
            keep_metadata?: boolean;
            /** @description Video and audio: cut a clip longer than the delivery budget carries to the longest that fits. */
            trim?: boolean;
            filename?: string;
        };
        MediaStatus: {
            /** @enum {boolean} */
            success: true;
            /** @enum {string} */
            status: "ready";
            media: components["schemas"]["Media"];
        } | components["schemas"]["JobProcessing"];
        SendResponse: {
            success: boolean;
            message?: string;
            phone_number?: string;
            campaign_id?: string;
            media_url?: string;
            dry_run?: boolean;
            media?: components["schemas"]["Media"];
            preflight?: components["schemas"]["PreflightReport"];
        } & {
            [key: string]: unknown;
        };
        SendRequest: {
            /** @example campaign_abc123 */
            campaign_id: string;
            /** @example +15551234567 */
            phone_number: string;
            /** @example Here is the brochure you requested! */
            message?: string;
            /** @example https://example.com/product-brochure.pdf */
            media_url: string;
            /**
             * @description auto: host a fixed copy when media_url has errors hosting fixes; never: refuse such a URL; always: host a copy of any fetchable URL.
             * @default auto
             * @enum {string}
             */
            rehost: "auto" | "never" | "always";
        };
        DirectUpload: {
            /** @enum {boolean} */
            success: true;
            /** @example q5V0Ck3nYbq2V8D3mXy0cQ */
            upload_id: string;
            /**
             * Format: uri
             * @description PUT the file here: the bucket itself (S3, R2's S3 API), or this service (local disk, R2 binding).
             */
            url: string;
            /** @enum {string} */
            method: "PUT";
            /**
             * @description Send these with the PUT, as they are.
             * @example {
             *       "content-length": "12345678"
             *     }
             */
            headers: {
                [key: string]: string;
            };
            /**
             * Format: date-time
             * @description The URL works until then (15 minutes).
             */
            expires_at: string;
        };
        DirectUploadRequest: {
            /** @example clip.mov */
            filename: string;
            /**
             * @description The file's exact length in bytes: the URL takes this many, no more, no fewer.
             * @example 12345678
             */
            size: number;
            /**
             * @description Kept as said; what the file is comes from its bytes.
             * @example video/quicktime
             */
            content_type?: string;
        };
        CompleteUpload: {
            /**
             * @description auto (default): re-encode an image only when it needs it (over the budget, not a carrier format, turning, colour, damaged data); metadata alone is cut out without re-encoding. always: re-encode every image; off: store the bytes as they are, minus metadata (JPEG, PNG or GIF within the endpoint’s limit, that decodes cleanly, only).
             * @enum {string}
             */
            optimize?: "auto" | "always" | "off";
            keep_metadata?: boolean;
            /** @description Video and audio: cut a clip longer than the delivery budget carries to the longest that fits. */
            trim?: boolean;
        };
        Health: {
            status: string;
            /**
             * @description Present when video and audio cannot be converted here (no ffmpeg, or Workers): only deliverable files are stored.
             * @enum {string}
             */
            media_conversion?: "unavailable";
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    preflightMedia: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PreflightRequest"];
            };
        };
        responses: {
            /** @description The report */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PreflightResponse"];
                };
            };
            /** @description The request is malformed: a missing or invalid field, bad JSON or multipart, no file, a malformed Idempotency-Key. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "optimize must be auto, always or off (got \"sometimes\").",
                     *       "code": "invalid_field"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body did not arrive within BODY_TIMEOUT_MS (body_timeout). */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The request body did not arrive within 30 s; send it again on a faster connection.",
                     *       "code": "body_timeout"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The file is 12 MB; the limit for mp4 files is 10 MB.",
                     *       "code": "file_too_large"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not a type the endpoint takes (unsupported_media_type), or a body that is neither JSON nor multipart (unsupported_content_type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a \"file\" part.",
                     *       "code": "unsupported_content_type"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    hostMedia: {
        parameters: {
            query?: {
                /** @description auto (default): re-encode an image only when it needs it (over the budget, not a carrier format, turning, colour, damaged data); metadata alone is cut out without re-encoding. always: re-encode every image; off: store the bytes as they are, minus metadata (JPEG, PNG or GIF within the endpoint’s limit, that decodes cleanly, only). */
                optimize?: "auto" | "always" | "off";
                /** @description true: keep the metadata (EXIF and XMP, GPS included) in a hosted image, listed in transformations as keep_metadata:<kinds>, and location and device tags in video and audio; by default they are removed. */
                keep_metadata?: "true" | "false";
                /** @description Video and audio: true cuts a clip longer than the delivery budget carries to the longest that fits; by default it is refused (media_too_long). */
                trim?: "true" | "false";
                /** @description The file's name, for raw uploads. */
                filename?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["MediaImport"];
                "multipart/form-data": components["schemas"]["UploadForm"];
                "application/octet-stream": Blob;
            };
        };
        responses: {
            /** @description Hosted */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MediaResponse"];
                };
            };
            /** @description With `Prefer: respond-async`: the file was received and is being processed; GET the Location for its outcome. */
            202: {
                headers: {
                    "Preference-Applied"?: string;
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobProcessing"];
                };
            };
            /** @description The request is malformed: a missing or invalid field, bad JSON or multipart, no file, a malformed Idempotency-Key. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "optimize must be auto, always or off (got \"sometimes\").",
                     *       "code": "invalid_field"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body did not arrive within BODY_TIMEOUT_MS (body_timeout). */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The request body did not arrive within 30 s; send it again on a faster connection.",
                     *       "code": "body_timeout"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A request with this Idempotency-Key is still being processed (idempotency_in_flight); retry after Retry-After. */
            409: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "A request with this Idempotency-Key is still being processed; wait for its reply.",
                     *       "code": "idempotency_in_flight"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The file is 12 MB; the limit for mp4 files is 10 MB.",
                     *       "code": "file_too_large"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not a type the endpoint takes (unsupported_media_type), or a body that is neither JSON nor multipart (unsupported_content_type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a \"file\" part.",
                     *       "code": "unsupported_content_type"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file or URL cannot be hosted or sent as it is (the code and sentence say why), or an Idempotency-Key reused for a different request. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "example.com does not resolve to any address.",
                     *       "code": "url_not_fetchable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMedia: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Found */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MediaStatus"];
                };
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such media id (media_not_found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No media with id \"q5V0Ck3nYbq2V8D3mXy0cQ.jpg\" exists (it may have been deleted).",
                     *       "code": "media_not_found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The file is 12 MB; the limit for mp4 files is 10 MB.",
                     *       "code": "file_too_large"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not a type the endpoint takes (unsupported_media_type), or a body that is neither JSON nor multipart (unsupported_content_type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a \"file\" part.",
                     *       "code": "unsupported_content_type"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file or URL cannot be hosted or sent as it is (the code and sentence say why), or an Idempotency-Key reused for a different request. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "example.com does not resolve to any address.",
                     *       "code": "url_not_fetchable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Something failed on the service’s side (for a background upload: the error it ended with). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Something went wrong on our side; the request was not completed. Try again.",
                     *       "code": "internal_error"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The send endpoint did not answer in time (upstream_timeout), or a conversion did not finish by its deadline. */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The send endpoint did not answer within 15000 ms; the message may or may not have been sent.",
                     *       "code": "upstream_timeout"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteMedia: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such media id (media_not_found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No media with id \"q5V0Ck3nYbq2V8D3mXy0cQ.jpg\" exists (it may have been deleted).",
                     *       "code": "media_not_found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    sendMms: {
        parameters: {
            query?: {
                /** @description auto (default): re-encode an image only when it needs it (over the budget, not a carrier format, turning, colour, damaged data); metadata alone is cut out without re-encoding. always: re-encode every image; off: store the bytes as they are, minus metadata (JPEG, PNG or GIF within the endpoint’s limit, that decodes cleanly, only). */
                optimize?: "auto" | "always" | "off";
                /** @description true: keep the metadata (EXIF and XMP, GPS included) in a hosted image, listed in transformations as keep_metadata:<kinds>, and location and device tags in video and audio; by default they are removed. */
                keep_metadata?: "true" | "false";
                /** @description Video and audio: true cuts a clip longer than the delivery budget carries to the longest that fits; by default it is refused (media_too_long). */
                trim?: "true" | "false";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SendRequest"];
                "multipart/form-data": components["schemas"]["SendWithFile"];
            };
        };
        responses: {
            /** @description The send endpoint’s reply, plus `media` when a file was hosted (rehosted: true for a copy of media_url) and `preflight` when the URL check found anything */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SendResponse"];
                };
            };
            /** @description The request is malformed: a missing or invalid field, bad JSON or multipart, no file, a malformed Idempotency-Key. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "optimize must be auto, always or off (got \"sometimes\").",
                     *       "code": "invalid_field"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body did not arrive within BODY_TIMEOUT_MS (body_timeout). */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The request body did not arrive within 30 s; send it again on a faster connection.",
                     *       "code": "body_timeout"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A request with this Idempotency-Key is still being processed (idempotency_in_flight); retry after Retry-After. */
            409: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "A request with this Idempotency-Key is still being processed; wait for its reply.",
                     *       "code": "idempotency_in_flight"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The file is 12 MB; the limit for mp4 files is 10 MB.",
                     *       "code": "file_too_large"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not a type the endpoint takes (unsupported_media_type), or a body that is neither JSON nor multipart (unsupported_content_type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a \"file\" part.",
                     *       "code": "unsupported_content_type"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file or URL cannot be hosted or sent as it is (the code and sentence say why), or an Idempotency-Key reused for a different request. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "example.com does not resolve to any address.",
                     *       "code": "url_not_fetchable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The send endpoint failed (upstream_unavailable); `media` carries the hosted file, to retry with its URL. Nothing is retried automatically. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The send endpoint could not be reached; the message was not sent.",
                     *       "code": "upstream_unavailable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The send endpoint did not answer in time (upstream_timeout), or a conversion did not finish by its deadline. */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The send endpoint did not answer within 15000 ms; the message may or may not have been sent.",
                     *       "code": "upstream_timeout"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createDirectUpload: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DirectUploadRequest"];
            };
        };
        responses: {
            /** @description Where to PUT the file */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DirectUpload"];
                };
            };
            /** @description The request is malformed: a missing or invalid field, bad JSON or multipart, no file, a malformed Idempotency-Key. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "optimize must be auto, always or off (got \"sometimes\").",
                     *       "code": "invalid_field"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The file is 12 MB; the limit for mp4 files is 10 MB.",
                     *       "code": "file_too_large"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not a type the endpoint takes (unsupported_media_type), or a body that is neither JSON nor multipart (unsupported_content_type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a \"file\" part.",
                     *       "code": "unsupported_content_type"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putDirectUpload: {
        parameters: {
            query: {
                size: number;
                expires?: number | null;
                signature: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Received */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        success: true;
                        upload_id: string;
                        size: number;
                    };
                };
            };
            /** @description The request is malformed: a missing or invalid field, bad JSON or multipart, no file, a malformed Idempotency-Key. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "optimize must be auto, always or off (got \"sometimes\").",
                     *       "code": "invalid_field"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The signed upload URL is not one this service gave out, or it was changed (upload_signature_invalid). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "This upload URL is not one this service gave out, or it was changed: PUT to the URL exactly as POST /v1/uploads/direct returned it.",
                     *       "code": "upload_signature_invalid"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such media id (media_not_found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No media with id \"q5V0Ck3nYbq2V8D3mXy0cQ.jpg\" exists (it may have been deleted).",
                     *       "code": "media_not_found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The request body did not arrive within BODY_TIMEOUT_MS (body_timeout). */
            408: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The request body did not arrive within 30 s; send it again on a faster connection.",
                     *       "code": "body_timeout"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upload was completed already (upload_completed): ask for a new URL to send another file. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "This upload was completed already; to send another file, ask for a new URL with POST /v1/uploads/direct.",
                     *       "code": "upload_completed"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upload URL expired before the file arrived (upload_url_expired, upload_expired): ask for a new one. */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "This upload URL expired at 2026-12-07T00:15:00.000Z; ask for a new one with POST /v1/uploads/direct.",
                     *       "code": "upload_url_expired"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    completeDirectUpload: {
        parameters: {
            query?: {
                /** @description auto (default): re-encode an image only when it needs it (over the budget, not a carrier format, turning, colour, damaged data); metadata alone is cut out without re-encoding. always: re-encode every image; off: store the bytes as they are, minus metadata (JPEG, PNG or GIF within the endpoint’s limit, that decodes cleanly, only). */
                optimize?: "auto" | "always" | "off";
                /** @description true: keep the metadata (EXIF and XMP, GPS included) in a hosted image, listed in transformations as keep_metadata:<kinds>, and location and device tags in video and audio; by default they are removed. */
                keep_metadata?: "true" | "false";
                /** @description Video and audio: true cuts a clip longer than the delivery budget carries to the longest that fits; by default it is refused (media_too_long). */
                trim?: "true" | "false";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["CompleteUpload"];
            };
        };
        responses: {
            /** @description Hosted */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MediaResponse"];
                };
            };
            /** @description The request is malformed: a missing or invalid field, bad JSON or multipart, no file, a malformed Idempotency-Key. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "optimize must be auto, always or off (got \"sometimes\").",
                     *       "code": "invalid_field"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such media id (media_not_found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No media with id \"q5V0Ck3nYbq2V8D3mXy0cQ.jpg\" exists (it may have been deleted).",
                     *       "code": "media_not_found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Another request is completing this upload (upload_completing): ask again after Retry-After for its outcome. */
            409: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "This upload is being completed by another request; ask again in a few seconds for its outcome.",
                     *       "code": "upload_completing"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No file arrived before the upload URL expired (upload_expired): ask for a new one. */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No file arrived for this upload before its URL expired at 2026-12-07T00:15:00.000Z; ask for a new one with POST /v1/uploads/direct.",
                     *       "code": "upload_expired"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The file is 12 MB; the limit for mp4 files is 10 MB.",
                     *       "code": "file_too_large"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not a type the endpoint takes (unsupported_media_type), or a body that is neither JSON nor multipart (unsupported_content_type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a \"file\" part.",
                     *       "code": "unsupported_content_type"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file or URL cannot be hosted or sent as it is (the code and sentence say why), or an Idempotency-Key reused for a different request. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "example.com does not resolve to any address.",
                     *       "code": "url_not_fetchable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Something failed on the service’s side (for a background upload: the error it ended with). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Something went wrong on our side; the request was not completed. Try again.",
                     *       "code": "internal_error"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The send endpoint did not answer in time (upstream_timeout), or a conversion did not finish by its deadline. */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The send endpoint did not answer within 15000 ms; the message may or may not have been sent.",
                     *       "code": "upstream_timeout"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createUpload: {
        parameters: {
            query?: never;
            header: {
                /** @description 1.0.0 */
                "Tus-Resumable": string;
                /** @description The file's size in bytes; over the largest input taken: 413 file_too_large. */
                "Upload-Length": string;
                /** @description filename, filetype, optimize (auto|always|off), keep_metadata (true|false), trim (true|false), each base64. */
                "Upload-Metadata"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Created: Location is the upload's URL, Upload-Expires when an unfinished upload is removed. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is malformed: a missing or invalid field, bad JSON or multipart, no file, a malformed Idempotency-Key. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "optimize must be auto, always or off (got \"sometimes\").",
                     *       "code": "invalid_field"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A protocol error, as tus answers it (plain text): 409 wrong Upload-Offset, 410 expired, 412 no Tus-Resumable… */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The file is 12 MB; the limit for mp4 files is 10 MB.",
                     *       "code": "file_too_large"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not available on this deployment (Cloudflare Workers); the sentence names what to use instead. */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Resumable (tus) uploads are not available on this deployment (Cloudflare Workers). Upload with POST /v1/uploads/direct, which returns a URL to PUT the file to, then POST /v1/uploads/{id}/complete.",
                     *       "code": "resumable_uploads_unavailable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    cancelUpload: {
        parameters: {
            query?: never;
            header: {
                /** @description 1.0.0 */
                "Tus-Resumable": string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The upload is finished and being hosted (tus, plain text): it can no longer be cancelled; delete the media once it is ready. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such upload for this API key (upload_not_found): expired, cancelled, already processed, or made with another key. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No upload \"q5V0Ck3nYbq2V8D3mXy0cQ\" exists for this API key: it may have expired, been cancelled or already been processed. Start a new one with POST /v1/uploads.",
                     *       "code": "upload_not_found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A protocol error, as tus answers it (plain text): 409 wrong Upload-Offset, 410 expired, 412 no Tus-Resumable… */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not available on this deployment (Cloudflare Workers); the sentence names what to use instead. */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Resumable (tus) uploads are not available on this deployment (Cloudflare Workers). Upload with POST /v1/uploads/direct, which returns a URL to PUT the file to, then POST /v1/uploads/{id}/complete.",
                     *       "code": "resumable_uploads_unavailable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getUploadOffset: {
        parameters: {
            query?: never;
            header: {
                /** @description 1.0.0 */
                "Tus-Resumable": string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Upload-Offset and Upload-Length. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such upload for this API key (upload_not_found): expired, cancelled, already processed, or made with another key. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No upload \"q5V0Ck3nYbq2V8D3mXy0cQ\" exists for this API key: it may have expired, been cancelled or already been processed. Start a new one with POST /v1/uploads.",
                     *       "code": "upload_not_found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A protocol error, as tus answers it (plain text): 409 wrong Upload-Offset, 410 expired, 412 no Tus-Resumable… */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not available on this deployment (Cloudflare Workers); the sentence names what to use instead. */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Resumable (tus) uploads are not available on this deployment (Cloudflare Workers). Upload with POST /v1/uploads/direct, which returns a URL to PUT the file to, then POST /v1/uploads/{id}/complete.",
                     *       "code": "resumable_uploads_unavailable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    appendUpload: {
        parameters: {
            query?: never;
            header: {
                /** @description 1.0.0 */
                "Tus-Resumable": string;
                /** @description Where these bytes start: the offset HEAD reported. */
                "Upload-Offset": string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Stored; Upload-Offset is the new offset. After the last byte the file is processed: see GET /v1/uploads/{id}/media. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such upload for this API key (upload_not_found): expired, cancelled, already processed, or made with another key. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No upload \"q5V0Ck3nYbq2V8D3mXy0cQ\" exists for this API key: it may have expired, been cancelled or already been processed. Start a new one with POST /v1/uploads.",
                     *       "code": "upload_not_found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A protocol error, as tus answers it (plain text): 409 wrong Upload-Offset, 410 expired, 412 no Tus-Resumable… */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not available on this deployment (Cloudflare Workers); the sentence names what to use instead. */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Resumable (tus) uploads are not available on this deployment (Cloudflare Workers). Upload with POST /v1/uploads/direct, which returns a URL to PUT the file to, then POST /v1/uploads/{id}/complete.",
                     *       "code": "resumable_uploads_unavailable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getUploadMedia: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Processing or ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MediaStatus"];
                };
            };
            /** @description The service has API_KEYS and the key in X-API-Key is missing (missing_api_key) or not valid (invalid_api_key). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send your API key in the X-API-Key header.",
                     *       "code": "missing_api_key"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such media id (media_not_found). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "No media with id \"q5V0Ck3nYbq2V8D3mXy0cQ.jpg\" exists (it may have been deleted).",
                     *       "code": "media_not_found"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The upload's last byte has not arrived yet (upload_incomplete): send the rest, then ask again. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The upload is not finished: 800000 of 2000000 bytes received. Send the rest (a tus client resumes by itself), then ask again.",
                     *       "code": "upload_incomplete"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file is over the limit for its type (file_too_large), or a JSON body is over 64 KB (body_too_large). */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The file is 12 MB; the limit for mp4 files is 10 MB.",
                     *       "code": "file_too_large"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not a type the endpoint takes (unsupported_media_type), or a body that is neither JSON nor multipart (unsupported_content_type). */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Send JSON (campaign_id, phone_number, media_url, message) or multipart/form-data with a \"file\" part.",
                     *       "code": "unsupported_content_type"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The file or URL cannot be hosted or sent as it is (the code and sentence say why), or an Idempotency-Key reused for a different request. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "example.com does not resolve to any address.",
                     *       "code": "url_not_fetchable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description More than RATE_LIMIT_PER_MINUTE requests this minute for this API key (rate_limited); retry after Retry-After. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "More than 60 requests this minute for this API key; try again in 12 s.",
                     *       "code": "rate_limited"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Something failed on the service’s side (for a background upload: the error it ended with). */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Something went wrong on our side; the request was not completed. Try again.",
                     *       "code": "internal_error"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not available on this deployment (Cloudflare Workers); the sentence names what to use instead. */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "Resumable (tus) uploads are not available on this deployment (Cloudflare Workers). Upload with POST /v1/uploads/direct, which returns a URL to PUT the file to, then POST /v1/uploads/{id}/complete.",
                     *       "code": "resumable_uploads_unavailable"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too busy (server_busy) or storage cannot be reached (storage_unavailable); nothing was done. Retry after Retry-After. */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The service is handling 64 uploads already; try again in a second.",
                     *       "code": "server_busy"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The send endpoint did not answer in time (upstream_timeout), or a conversion did not finish by its deadline. */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": false,
                     *       "error": "The send endpoint did not answer within 15000 ms; the message may or may not have been sent.",
                     *       "code": "upstream_timeout"
                     *     }
                     */
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
