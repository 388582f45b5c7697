"""Contact and conversations: how much one may ask and write before the platform says wait."""

from config.env import env

# Contact requests ("我要对接") one organization may send per day.
CONTACT_REQUESTS_PER_ORGANIZATION_PER_DAY = env.int(
    "CONTACT_REQUESTS_PER_ORGANIZATION_PER_DAY", default=10
)
# Messages one person may send per minute, over all conversations.
CONVERSATION_MESSAGES_PER_USER_PER_MINUTE = env.int(
    "CONVERSATION_MESSAGES_PER_USER_PER_MINUTE", default=20
)
# The largest file one message may carry, in MB (at most five files a message).
CONVERSATION_ATTACHMENT_MAX_MB = env.int("CONVERSATION_ATTACHMENT_MAX_MB", default=20)
# How often an open conversation's page asks for new messages, in seconds.
CONVERSATION_REFRESH_SECONDS = env.int("CONVERSATION_REFRESH_SECONDS", default=20)
