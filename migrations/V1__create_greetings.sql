CREATE TABLE IF NOT EXISTS greetings (
    id bigint PRIMARY KEY,
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO greetings (id, message) VALUES (1, 'Hello-World') ON CONFLICT (id) DO NOTHING;
