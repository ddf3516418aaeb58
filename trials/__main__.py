from trials.cli import main

if __name__ == "__main__":  # the decoder worker process imports this module again
    main()
