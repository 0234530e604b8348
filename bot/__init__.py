"""知创助手 core: knowledge, matching, engine, storage."""
