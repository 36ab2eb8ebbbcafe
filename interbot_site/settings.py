"""InterBot settings, read from the environment (django-environ); every variable is listed in README.md."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A fixed development key is acceptable only with DEBUG on; production must set its own.
SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-only-for-debug" if DEBUG else None)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "accounts",
    "interviews",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "interbot_site.urls"
ASGI_APPLICATION = "interbot_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default; DATABASE_URL=postgres://... switches to PostgreSQL (psycopg 3).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several daphne workers and the inference pool write at once: wait for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock when a transaction starts: upgrading a read lock mid-transaction fails at once
    # ("database is locked", no wait) when another writer is waiting; seen at 20 candidates (bench_load).
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Channels: in-memory layer unless REDIS_URL is set.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # channels_redis waits 5 s per blocking read, as long as redis-py's default socket timeout: give the
    # socket more, or an idle receive fails with "Timeout reading from" instead of returning nothing.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
    # Inference results (interviews.ai.inference) on an instance of their own, apart from the websockets'.
    CHANNEL_LAYERS["inference"] = CHANNEL_LAYERS["default"]
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds who may use which uploaded file and each candidate's in-flight jobs: with several
# processes it must be shared, so REDIS_URL puts it in Redis too; one process keeps it in memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "interbot",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Every Gradio request of the live page (uploads, queue, stream, files) checks who is signed in: read the session
# from the cache and the database only on a miss. Signing out deletes both, in every process when shared.
SESSION_ENGINE = env("SESSION_ENGINE", default="django.contrib.sessions.backends.cached_db")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# django-allauth: log in with email or username, email optional to verify (console email by default).
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# A whole class often signs in at once from one school address (NAT): allow that many per IP, while
# the per-account limit still stops password guessing.
ACCOUNT_RATE_LIMITS = {
    "login": env("ACCOUNT_LOGIN_RATE", default="120/m/ip"),
    "login_failed": env("ACCOUNT_LOGIN_FAILED_RATE", default="60/m/ip,5/300s/key"),
    "signup": env("ACCOUNT_SIGNUP_RATE", default="60/m/ip"),
}
LOGIN_REDIRECT_URL = "interviews:history"
LOGIN_URL = "account_login"
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="InterBot <noreply@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Models built at first use from what their wheels ship (Whisper base is split across two wheels).
MODEL_CACHE_DIR = Path(env("MODEL_CACHE_DIR", default=str(BASE_DIR / "var" / "models")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_STORAGE", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: answers are short; the services enforce their own duration caps on top of this size cap.
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Production hardening: on whenever DEBUG is off (manage.py check --deploy passes). ---
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The interview page embeds the Gradio app from the same origin in an iframe.
X_FRAME_OPTIONS = "SAMEORIGIN"
# ...which is why check --deploy's advice to use DENY (security.W019) does not apply here.
SILENCED_SYSTEM_CHECKS = ["security.W019"]

# --- AI services: backends by dotted path plus OPTIONS, like EMAIL_BACKEND / CACHES. ---
# Embedded backends are the defaults: they need no network and no keys.
# A remote backend that fails falls back to the backend named in FALLBACK.
HF_TOKEN = env("HF_TOKEN", default="")
AI_SERVICES = {
    # No LLM by default: questions come from the bank and the embedded grader judges answers.
    # With an LLM set, questions are generated and graded by it; on failure the embedded path decides.
    "llm": {
        "BACKEND": env("LLM_BACKEND", default=""),
        "OPTIONS": {
            "model": env("LLM_MODEL", default="meta-llama/Meta-Llama-3-8B-Instruct"),
            "base_url": env("LLM_BASE_URL", default=""),
            "api_key": env("LLM_API_KEY", default=""),
            "token": HF_TOKEN,
            "timeout": env.float("LLM_TIMEOUT", default=30.0),
            # How the reply is held to the JSON it must be: "json_schema" (OpenAI, llama.cpp, vLLM, Ollama,
            # TGI / HF router), "json_object" (servers that only know JSON mode) or "none" (prompt only).
            "structured_output": env("LLM_STRUCTURED_OUTPUT", default="json_schema"),
        },
        "FALLBACK": "",
    },
    "stt": {
        "BACKEND": env("STT_BACKEND", default="interviews.ai.stt.FasterWhisperSTT"),
        "OPTIONS": {
            "timeout": env.float("STT_TIMEOUT", default=20.0),
            "max_seconds": env.float("STT_MAX_SECONDS", default=180.0),
            "language": env("STT_LANGUAGE", default="en-US"),
            # Embedded Whisper: "tiny.en" (in the default install), "base" (requirements-whisper-base.txt: about
            # half the errors on noisy speech for twice the CPU) or a CTranslate2 model directory.
            "model": env("STT_MODEL", default="tiny.en"),
            # Beam search width (1 = greedy) and threads per transcription; as many transcriptions run side by
            # side as INFERENCE_WORKERS. See benchmarks/README.md (STT, load).
            "beam_size": env.int("STT_BEAM_SIZE", default=5),
            "cpu_threads": env.int("STT_CPU_THREADS", default=1),
        },
        "FALLBACK": "interviews.ai.stt.FasterWhisperSTT",
    },
    "tts": {
        "BACKEND": env("TTS_BACKEND", default="interviews.ai.tts.PiperTTS"),
        # Piper: onnxruntime threads per synthesis (0 = one per core); synthesised sentences are cached.
        "OPTIONS": {
            "timeout": env.float("TTS_TIMEOUT", default=15.0),
            "threads": env.int("TTS_THREADS", default=1),
            "cache_sentences": env.int("TTS_CACHE_SENTENCES", default=256),  # ~130 KB of PCM a sentence
        },
        "FALLBACK": "interviews.ai.tts.PiperTTS",
    },
    "vision": {
        "BACKEND": env("VISION_BACKEND", default="interviews.ai.vision.FERVision"),
        "OPTIONS": {
            "model": env("VISION_MODEL", default="trpakov/vit-face-expression"),
            "token": HF_TOKEN,
            "timeout": env.float("VISION_TIMEOUT", default=15.0),
            # Webcam frames streamed and analysed per second while the live page is open.
            "frames_per_second": env.float("VISION_FPS", default=1.0),
            # A clip costs at most max_frames face analyses whatever its length: a long clip is sampled more
            # sparsely, evenly across it. max_seconds only caps the decoding: one answer's length, as STT's.
            "max_frames": env.int("VISION_MAX_FRAMES", default=30),
            "max_seconds": env.float("VISION_MAX_SECONDS", default=180.0),
        },
        "FALLBACK": "interviews.ai.vision.FERVision",
    },
}
# The longest a candidate waits for the LLM in one turn (grading plus the next question), in seconds: past
# it the embedded grader answers and the question comes from the bank; the LLM's late reply is dropped.
LLM_TURN_BUDGET = env.float("LLM_TURN_BUDGET", default=6.0)
# Circuit breaker of every remote provider (interviews.ai.breaker): this many failures in a row skip it for
# AI_BREAKER_COOLDOWN seconds; a configuration error (HTTP 400/401/403/404) skips it for the longer one.
AI_BREAKER_FAILURES = env.int("AI_BREAKER_FAILURES", default=2)
AI_BREAKER_COOLDOWN = env.float("AI_BREAKER_COOLDOWN", default=60.0)
AI_BREAKER_CONFIG_COOLDOWN = env.float("AI_BREAKER_CONFIG_COOLDOWN", default=600.0)
# Threads for speech, grading and vision, so the event loop never blocks on inference: one per core,
# each model call single-threaded (STT cpu_threads, TTS threads above).
INFERENCE_WORKERS = env.int("INFERENCE_WORKERS", default=2)
# ...plus a lane of its own for bulk work (webcam clips, long recordings), so it never holds up a verdict.
INFERENCE_BULK_WORKERS = env.int("INFERENCE_BULK_WORKERS", default=1)
# ...and one for streamed webcam frames (dropped, never queued: interviews.ai.inference.run_frame).
INFERENCE_VISION_WORKERS = env.int("INFERENCE_VISION_WORKERS", default=1)
# Spoken answers longer than this (or declaring no length) are transcribed in the bulk lane.
INFERENCE_BULK_AUDIO_SECONDS = env.float("INFERENCE_BULK_AUDIO_SECONDS", default=60.0)
# One answer and one webcam clip in flight per candidate; a slot a lost job never frees expires after this.
INFERENCE_IN_FLIGHT_TTL = env.int("INFERENCE_IN_FLIGHT_TTL", default=600)
# --- Celery: with CELERY_BROKER_URL set, speech, grading, reply speech and webcam analysis run on Celery
# workers (`celery -A interbot_site worker -Q interactive,bulk`); unset, in the threads above (one process).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
if CELERY_BROKER_URL and not REDIS_URL:
    # Results come back over the channel layer and the jobs are de-duplicated in the cache: both shared.
    raise environ.ImproperlyConfigured(
        "CELERY_BROKER_URL needs REDIS_URL (the shared channel layer and cache)."
    )
# Results travel over the channel layer (interviews.ai.inference), not a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a job is acknowledged once done: a worker lost mid-job leaves it to another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker holds one job at a time: nothing waits behind a long one
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Seconds a job may run (soft: the job is stopped and retried; hard: its process is killed), per queue.
CELERY_INTERACTIVE_TIME_LIMIT = env.int("CELERY_INTERACTIVE_TIME_LIMIT", default=60)
CELERY_BULK_TIME_LIMIT = env.int("CELERY_BULK_TIME_LIMIT", default=240)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A job taken by a worker that then vanished (no ack) is handed to another after this many seconds:
    # longer than any job may run, or a slow job would be run twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * CELERY_BULK_TIME_LIMIT),
    # Redis has no priorities: kombu emulates them with one list per step; 0 is served first.
    "queue_order_strategy": "priority",
    "priority_steps": list(range(10)),
    "sep": ":",
    # Several deployments (or test runs) may share one Redis server.
    "global_keyprefix": env("CELERY_KEY_PREFIX", default="interbot:celery:"),
}
# How long a web process waits for a job's result before telling the candidate to try again (answer kept).
CELERY_RESULT_WAIT = env.int("CELERY_RESULT_WAIT", default=180)
# Deliveries of one job (worker lost, soft time limit, crash) before the candidate is told it failed.
CELERY_JOB_ATTEMPTS = env.int("CELERY_JOB_ATTEMPTS", default=3)
# Each worker process loads the speech, voice and grading models when it starts, not on its first job.
CELERY_WARM_MODELS = env.bool("CELERY_WARM_MODELS", default=True)

# Spoken answers are transcribed while the candidate speaks (the live page's streaming microphone) when the
# STT backend can decode segments (the embedded Whisper); otherwise, or with this off, after the stop.
# The page also records the whole answer, which is transcribed instead when the stream lost its first or last
# seconds (on an overloaded server; see benchmarks/speech_lab/README.md), so nothing said is lost.
# Off by default with Celery workers: segments are decoded in the process that receives the stream, and the web
# tier runs no models there (the whole recording goes to a worker after the stop).
STT_STREAMING = env.bool("STT_STREAMING", default=not CELERY_BROKER_URL)
# Answers being spoken at once in one process (each holds up to STT max_seconds of audio, ~6 MB): more wait.
STT_STREAMING_MAX_ANSWERS = env.int("STT_STREAMING_MAX_ANSWERS", default=32)
# numpy's OpenBLAS threads (the grader's MiniLM): 1, as the pool already runs one job per core; 0 = OpenBLAS default.
INFERENCE_BLAS_THREADS = env.int("INFERENCE_BLAS_THREADS", default=1)

# --- Interview engine ---
INTERVIEW_GENERAL_QUESTIONS = env.int("INTERVIEW_GENERAL_QUESTIONS", default=2)
INTERVIEW_MAX_QUESTIONS = env.int("INTERVIEW_MAX_QUESTIONS", default=8)
# Correct answers move the next topic question a level up, misses a level down (interviews.engine).
INTERVIEW_ADAPTIVE_DIFFICULTY = env.bool("INTERVIEW_ADAPTIVE_DIFFICULTY", default=True)
# A partial answer that covered some key points gets one follow-up question about a missed one.
INTERVIEW_FOLLOW_UPS = env.bool("INTERVIEW_FOLLOW_UPS", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One line per inference job (queue wait, run time): INFERENCE_LOG_LEVEL=INFO, as bench_load sets it.
    "loggers": {"interviews.ai.inference": {"level": env("INFERENCE_LOG_LEVEL", default="WARNING")}},
}
